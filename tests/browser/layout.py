"""What a screen must never do, measured in the browser: put a control outside the
viewport, let two controls overlap, or clip text inside its box."""

LAYOUT_PROBLEMS_JS = """(whole) => {
  const problems = [];
  const vw = window.innerWidth, vh = window.innerHeight;
  const shown = (e) => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) &&
                       e.getClientRects().length > 0;
  const name = (e) => e.id ? '#' + e.id :
      (e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
       ' "' + (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 24) + '"');
  const hiddenForScreenReaders = (e) => {
    for (let a = e; a; a = a.parentElement) {
      const c = getComputedStyle(a).clip;
      if (c && c !== 'auto') return true;
    }
    return false;
  };
  const controls = [...document.querySelectorAll(
      'button, a[href], input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])')]
      .filter(shown);
  const boxes = controls.map((e) => [e, e.getBoundingClientRect()]);
  for (const [e, r] of boxes) {
    const outside = r.left < -0.5 || r.right > vw + 0.5 || (whole && (r.top < -0.5 || r.bottom > vh + 0.5));
    if (outside) problems.push(`outside the viewport: ${name(e)} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} (viewport ${vw}×${vh})`);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) problems.push(`overlap: ${name(a)} and ${name(b)}`);
    }
  }
  // Clipped text: a block holding text whose content is wider or taller than its box. A
  // CJK glyph may stand a little above or below a tight line box; a whole line may not.
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e) || ['svg', 'path', 'img', 'script', 'style', 'option', 'select', 'textarea', 'input'].includes(e.tagName.toLowerCase())) continue;
    if (e.closest('svg')) continue;
    const hasText = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) continue;
    const style = getComputedStyle(e);
    if (style.display === 'inline') continue;
    if (hiddenForScreenReaders(e)) continue;  // .visually-hidden: clipped on purpose
    const slack = 0.3 * parseFloat(style.fontSize);
    if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + slack) {
      problems.push(`clipped text: ${name(e)} content ${e.scrollWidth}×${e.scrollHeight} in ${e.clientWidth}×${e.clientHeight}`);
    }
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > vw + 1) problems.push(`page scrolls sideways: ${doc.scrollWidth} > ${vw}`);
  if (whole && doc.scrollHeight > vh + 1) problems.push(`page scrolls: ${doc.scrollHeight} > ${vh}`);
  return problems;
}"""


def layout_problems(page, whole_screen: bool) -> list[str]:
    """whole_screen: the page must fit the viewport without scrolling (the touchscreen);
    otherwise it may scroll down but never sideways (phone and admin pages)."""
    return page.evaluate(LAYOUT_PROBLEMS_JS, whole_screen)


TERMINAL_SIZES = {  # the window terminals halls buy: portrait and landscape, large and cheap
    "1080x1920": {"width": 1080, "height": 1920},
    "1920x1080": {"width": 1920, "height": 1080},
    "1280x800": {"width": 1280, "height": 800},
    "800x1280": {"width": 800, "height": 1280},
}
TERMINAL_STEPS = ("idle", "rate", "reasons", "phone", "thanks")


def walk_terminal(page, base: str, lang: str, elderly: bool, invite, on_step) -> None:
    """One citizen's bad rating through every step of the window terminal A01, calling
    on_step(step) while each is on screen. invite(case_no) opens an invitation at A01."""
    from playwright.sync_api import expect

    page.goto(f"{base}/touch/A01?lang={lang}")
    expect(page.locator("#screen-idle")).to_be_visible()
    expect(page.locator("#staff-name")).not_to_be_empty()
    if elderly:
        page.locator("#btn-elderly").click()
    on_step("idle")
    invite()
    expect(page.locator("#screen-rate")).to_be_visible(timeout=3000)
    expect(page.locator("#mobile-qr")).to_be_visible(timeout=3000)
    expect(page.locator("#mobile-qr-img")).to_have_js_property("complete", True)
    on_step("rate")
    page.locator(".level-5").click()
    expect(page.locator("#screen-reasons")).to_be_visible()
    page.locator(".reason").nth(1).click()
    expect(page.locator("#comment-qr")).to_be_visible(timeout=3000)
    on_step("reasons")
    page.locator("#btn-phone").click()
    for key in "1381234":
        page.locator(f'.key[data-key="{key}"]').click()
    on_step("phone")
    for key in "5678":
        page.locator(f'.key[data-key="{key}"]').click()
    page.locator("#btn-phone-ok").click()
    page.locator("#btn-submit").click()
    expect(page.locator("#screen-thanks")).to_be_visible()
    expect(page.locator("#query-code")).not_to_be_empty()
    on_step("thanks")
    page.locator("#btn-done").click()


# ---- the manager's pages ----------------------------------------------------------------

ADMIN_SIZES = {  # a desktop, the common office laptop, a cheap laptop or tablet, a phone
    "1920x1080": {"width": 1920, "height": 1080},
    "1366x768": {"width": 1366, "height": 768},
    "1280x800": {"width": 1280, "height": 800},
    "390x844": {"width": 390, "height": 844},
}


def admin_pages(case_id: int, today) -> dict[str, str]:
    """The manager's daily pages; case_id: a case part-way through its handling."""
    return {"workbench": "/admin/", "stats": "/admin/stats",
            "stats-today": f"/admin/stats?from={today}&to={today}",
            "rankings": "/admin/stats/rankings", "cases": "/admin/cases",
            "case": f"/admin/cases/{case_id}"}


def add_admin_demo(password: str, weeks: int = 2, per_window_day: tuple[int, int] = (4, 9)):
    """The demo hall's past (kiosk/demo_history.py) and a morning's ratings through the
    ratings service, two evaluators (one offline), a paused window and one nobody signed
    in at: what a manager's pages show on an ordinary day. Returns a case part-way
    through its handling."""
    import random
    from datetime import timedelta

    import sqlalchemy as sa

    from kiosk.demo_history import seed_history
    from kiosk.extensions import db
    from kiosk.models import Device, Window
    from kiosk.models.base import utcnow
    from kiosk.models.cases import BadCase
    from kiosk.ratings.service import current_reasons, record_rating
    from kiosk.timeutil import to_local, to_utc

    seed_history(weeks=weeks, password=password, per_window_day=per_window_day)
    rng = random.Random(16)
    now = utcnow()
    local_now = to_local(now)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (local_now - midnight).total_seconds()
    reasons = [item["code"] for item in current_reasons().items]
    windows = db.session.scalars(sa.select(Window).order_by(Window.code)).all()
    for index, window in enumerate(windows):
        for _ in range(rng.randint(2, 9) if index != 4 else 1):
            at = midnight + timedelta(seconds=rng.uniform(0.1, 0.98) * elapsed)
            level = rng.choice((1, 1, 1, 2, 2, 3, 4) if index != 4 else (5,))
            level = min(max(level, 2), 4) if window.scale == 3 else level
            record_rating(window_code=window.code, level=level, channel="touch",
                          reasons=[rng.choice(reasons)] if level >= 4 else [],
                          rated_at=to_utc(at), now=to_utc(at))
    by_code = {w.code: w for w in windows}
    db.session.add_all([
        Device(window_id=by_code["A01"].id, protocol="evp", port="/dev/ttyUSB0", address=1,
               online=True, last_seen=now, keys=5, serial_no="EVP-0001"),
        Device(window_id=by_code["B02"].id, protocol="evp", port="/dev/ttyUSB0", address=2,
               online=False, last_seen=now - timedelta(hours=3), keys=5, serial_no="EVP-0002"),
    ])
    by_code["C01"].paused, by_code["C01"].pause_reason = True, "培训"
    by_code["D01"].staff_id = None
    db.session.commit()
    case_id = db.session.scalars(
        sa.select(BadCase.id).where(BadCase.status.in_(("verified", "assigned")))
        .order_by(BadCase.id.desc())).first()
    return case_id


def log_in(page, base: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("nav.nav-groups")).to_be_visible()
