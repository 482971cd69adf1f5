"""The channel "later" is known everywhere a channel is: the model, the upstream record, the
hub's validation and every provincial profile's channel map."""
import pytest

from kiosk.hub.validate import CHANNELS as HUB_CHANNELS
from kiosk.models.rating import CHANNELS
from kiosk.ratings.record import CHANNEL_GBT
from kiosk.sync import profiles
from tests.interop.test_profiles_pure import CREDS, RECORD


def test_every_place_knows_every_channel():
    assert "later" in CHANNELS
    assert set(CHANNEL_GBT) == set(CHANNELS) == set(HUB_CHANNELS)


@pytest.mark.parametrize("name", [n for n in profiles.names() if n != profiles.HUB])
@pytest.mark.parametrize("channel", CHANNELS)
def test_every_profile_builds_a_payload_for_every_channel(name, channel):
    payload = profiles.get(name).to_payload({**RECORD, "channel": channel}, CREDS)
    assert payload  # a channel missing from the profile's map raises KeyError here


def test_later_goes_up_as_the_mobile_channel():
    assert CHANNEL_GBT["later"] == ("移动服务端", 2)
    from kiosk.sync.profiles import fujian, national, zhejiang
    assert national.CHANNELS["later"] == "移动服务端"
    assert zhejiang.PF["later"] == fujian.PF["later"] == "2"
