from seamline.audit.models import AuditEntry
from seamline.network import actions
from seamline.testing import CastTestCase


class PartnerReadsEntriesAboutItsOrganisationTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        admin = cls.cast.actor(cls.cast.net_admin)
        actions.change_organisation_status(
            admin, cls.cast.riverside, "suspended", reason="Contract review"
        )
        actions.change_organisation_status(
            admin, cls.cast.swift, "suspended", reason="Agency checks"
        )

    def test_entries_made_by_the_prime_about_the_partner_are_visible_to_it(self):
        seen = AuditEntry.objects.visible_to(self.cast.actor(self.cast.river_admin))
        statuses = list(
            seen.filter(action="organisation.status").values_list("object_id", flat=True)
        )
        self.assertEqual(statuses, ["riverside"])
