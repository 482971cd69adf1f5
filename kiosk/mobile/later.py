"""Rating later on the phone: the case's own link (/m/l/<token>) and the case lookup
(/m/case) by 办件编号 plus a check only the citizen can answer.

The lookup tells nothing before the check passes: an unknown case and a wrong check get the
same answer, every attempt counts against the client's and the case's limits, and a right
answer leads to the same page the case's link opens."""
from flask import redirect, render_template, request
from flask_babel import gettext as _

from kiosk import ratelimit
from kiosk.extensions import db
from kiosk.later.links import later_url
from kiosk.later.lookup import invitation_by_check, invitation_for_link
from kiosk.lookups import current_hall
from kiosk.mobile import bp
from kiosk.mobile.forms import CaseLookupForm
from kiosk.models import Window

CHANNEL = "later"


@bp.route("/m/l/<token>", methods=["GET", "POST"])
def rate_later(token: str):
    """The link from the receipt or the SMS: rates its case once, until the deadline."""
    from kiosk.mobile.routes import _rate_page  # the QR page's form, rules and recording

    invitation = invitation_for_link(token)
    window = db.session.get(Window, invitation.window_id)
    return _rate_page(window, current_hall(), invitation=invitation, token=None,
                      channel=CHANNEL)


def _lookup_page(form: CaseLookupForm, status: int = 200):
    return render_template("mobile/case_lookup.html", form=form), status


@bp.route("/m/case", methods=["GET", "POST"])
def case_lookup():
    form = CaseLookupForm()
    if request.method == "GET":
        return _lookup_page(form)
    if not form.validate_on_submit():
        return _lookup_page(form, 422)
    by_client = ratelimit.hit_client("case")
    by_case = ratelimit.hit("case_case", form.case_no.data.strip())
    if not (by_client and by_case):
        form.form_errors.append(_("尝试次数过多，请 10 分钟后再试，或使用回执上的二维码。"))
        return _lookup_page(form, 429)
    invitation = invitation_by_check(form.case_no.data, form.check.data)
    if invitation is None:
        form.form_errors.append(
            _("办件编号或验证信息不正确，请核对回执后重新输入。"))
        return _lookup_page(form, 404)
    return redirect(later_url(invitation.id), code=303)
