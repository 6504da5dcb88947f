"""Network settings and time standards: the rules that keep shared defaults sensible."""

from django.test import SimpleTestCase

from seamline.errors import RuleViolation
from seamline.network import actions
from seamline.network.models import Network
from seamline.network.rules import settings_reasons, time_standard_reasons
from seamline.testing import CastTestCase


class SettingsRuleTests(SimpleTestCase):
    def test_caps_table(self) -> None:
        table = [
            ((0, 2, 6, 10), []),
            ((0, 0, 0, 0), []),
            ((1, 1, 5, 5), []),
            ((0, 7, 6, 10), ["caps_must_rise"]),
            ((3, 2, 6, 10), ["caps_must_rise"]),
            ((0, 2, 11, 10), ["caps_must_rise"]),
        ]
        for caps, codes in table:
            with self.subTest(caps=caps):
                found = settings_reasons(time_zone="Europe/London", caps=caps)
                self.assertEqual([r.code for r in found], codes)

    def test_time_zone_must_exist(self) -> None:
        self.assertEqual(settings_reasons(time_zone="America/Chicago", caps=(0, 2, 6, 10)), [])
        found = settings_reasons(time_zone="Mars/Olympus", caps=(0, 2, 6, 10))
        self.assertEqual([(r.code, r.field) for r in found], [("invalid_time_zone", "time_zone")])

    def test_time_standard_table(self) -> None:
        for hours, codes in [
            (None, []),
            (1, []),
            (8760, []),
            (0, ["invalid_value"]),
            (8761, ["invalid_value"]),
            (-4, ["invalid_value"]),
        ]:
            with self.subTest(hours=hours):
                self.assertEqual([r.code for r in time_standard_reasons(hours)], codes)


class SettingsActionTests(CastTestCase):
    def test_falling_caps_are_refused_with_the_sentence_naming_them(self) -> None:
        admin = self.cast.actor(self.cast.net_admin)
        with self.assertRaises(RuleViolation) as caught:
            actions.update_network_settings(
                admin, {"cap_supervised": 8}, version=1, reason="Try a higher cap"
            )
        self.assertEqual(caught.exception.codes, ["caps_must_rise"])
        self.assertIn("supervised 8", str(caught.exception))
        self.assertEqual(Network.current().cap_supervised, 2)

    def test_unknown_time_zone_is_refused(self) -> None:
        admin = self.cast.actor(self.cast.net_admin)
        with self.assertRaises(RuleViolation) as caught:
            actions.update_network_settings(
                admin, {"time_zone": "Europe/Atlantis"}, version=1, reason="Move"
            )
        self.assertEqual(caught.exception.reasons[0].field, "time_zone")

    def test_step_edit_refuses_a_zero_hour_standard(self) -> None:
        step = self.cast.discharge.steps.get(code="step-1")
        with self.assertRaises(RuleViolation) as caught:
            actions.update_step(
                self.cast.actor(self.cast.quality), step, {"time_standard_hours": 0}, version=1
            )
        self.assertEqual(caught.exception.reasons[0].field, "time_standard_hours")

    def test_conflict_names_the_record_as_saved_not_as_renamed(self) -> None:
        admin = self.cast.actor(self.cast.river_admin)
        org = self.cast.riverside
        with self.assertRaises(RuleViolation) as caught:
            actions.update_organisation(admin, org, {"name": "Riverside CIC"}, version=7)
        self.assertIn("Riverside Home Support was changed", str(caught.exception))


class RevokeKeepsBothReasonsTests(CastTestCase):
    def test_grant_reason_survives_revocation_and_both_show_on_the_person_page(self) -> None:
        admin = self.cast.actor(self.cast.river_admin)
        person = self.cast.river_worker
        actions.grant_role(admin, person, "scheduler", reason="Covers the Tuesday rota")
        grant = actions.revoke_role(admin, person, "scheduler", reason="Rota cover ended")
        self.assertEqual(
            (grant.reason, grant.revoked_reason), ("Covers the Tuesday rota", "Rota cover ended")
        )
        self.client.force_login(self.cast.river_admin)
        body = self.client.get(f"/network/people/{person.uuid}/").content.decode()
        self.assertIn("Covers the Tuesday rota", body)
        self.assertIn("Rota cover ended", body)
