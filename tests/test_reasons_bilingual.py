"""The reason template carries both languages: published centrally, applied at the hall,
shown in the page's language."""
from datetime import datetime

import pytest

from kiosk.extensions import db
from kiosk.models import ReasonTemplate
from kiosk.models.reasons import SEED_REASONS, reason_texts, valid_items
from kiosk.sync.apply_config import apply_config

NEW_ITEMS = [{"code": "R01", "text": "等候时间长", "text_en": "Long wait"},
             {"code": "R02", "text": "材料要求不清楚"}]


def test_seed_template_has_english_for_every_reason():
    assert all(item["text_en"] for item in SEED_REASONS)
    assert reason_texts(SEED_REASONS, "en")["R01"] == SEED_REASONS[0]["text_en"]
    assert reason_texts(SEED_REASONS, "zh_CN")["R01"] == "办事效率低、业务不熟练"


@pytest.mark.parametrize("bad", [[{"code": "R01", "text": "x", "text_en": 3}],
                                 [{"code": "R01"}], "R01"])
def test_malformed_items_are_refused(bad):
    assert not valid_items(bad)


def test_hall_applies_a_bilingual_template_and_the_pages_use_it(app, client):
    with app.app_context():
        changed = apply_config(db.engine, {"reasons": {"version": 2, "items": NEW_ITEMS}},
                               datetime(2026, 11, 30, 9, 0))
        assert changed == {"reason_version": 2}
        assert db.session.get(ReasonTemplate, 2).items == NEW_ITEMS
    english = client.get("/m/w/A01?lang=en").get_data(as_text=True)
    assert "Long wait" in english and "材料要求不清楚" in english  # no English: Chinese stays
    chinese = client.get("/m/w/A01?lang=zh_CN").get_data(as_text=True)
    assert "等候时间长" in chinese and "Long wait" not in chinese
