from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GLOBAL_CHAIN = "global"


class EventKind(models.TextChoices):
    PLAN_LAUNCHED = "plan.launched", _("Plan launched")
    PLAN_TRANSITION = "plan.transition", _("Plan changed state")
    PHASE_NOTE_SAVED = "phase_note.saved", _("Phase note saved")
    ASSESSMENT_SAVED = "assessment.saved", _("Needs assessment saved")
    ASSESSMENT_COPIED = "assessment.copied", _("Needs assessment copied from the last cycle")
    ORGANISATION_SAVED = "organisation.saved", _("Organisation saved")
    TABLE_SAVED = "table.saved", _("Stakeholder table saved")
    TABLE_REMOVED = "table.removed", _("Stakeholder table removed")
    MEETING_SAVED = "meeting.saved", _("Meeting saved")
    MEETING_REMOVED = "meeting.removed", _("Meeting removed")
    SECTION_SAVED = "section.saved", _("Plan section saved")
    MEASURE_SAVED = "measure.saved", _("Measure saved")
    MEASURE_REMOVED = "measure.removed", _("Measure removed")
    MEASURES_EXPORTED = "measures.exported", _("Measures exported as CSV")
    ADOPTION_SAVED = "adoption.saved", _("Adoption act saved")
    PUBLICATION_RECORDED = "publication.recorded", _("Publication on the albo pretorio recorded")
    PUBLICATION_CORRECTED = "publication.corrected", _("Publication on the albo pretorio corrected")
    REVIEW_DECIDED = "review.decided", _("Review decision")
    TASK_CREATED = "task.created", _("Task created")
    TASK_CLAIMED = "task.claimed", _("Task taken on")
    TASK_RELEASED = "task.released", _("Task released")
    TASK_REASSIGNED = "task.reassigned", _("Task reassigned")
    TASK_CANCELED = "task.canceled", _("Task cancelled")
    TASK_COMPLETED = "task.completed", _("Task completed")
    TASK_RETURNED = "task.returned", _("Task returned")
    ROLE_GRANTED = "role.granted", _("Role granted")
    ROLE_REVOKED = "role.revoked", _("Role revoked")
    REGISTRY_IMPORTED = "registry.imported", _("ISTAT registry imported")
    SCHEDULE_SET = "schedule.set", _("Schedule set")
    PHASE_DATE_CHANGED = "phase_date.changed", _("Phase date changed")
    DUE_DATE_SET = "due_date.set", _("Due date set")
    DUE_DATE_CHANGED = "due_date.changed", _("Due date changed")
    PATRON_DAY_SET = "comune.patron_day_set", _("Patron day set")
    FILE_UPLOADED = "file.uploaded", _("File uploaded")
    # A task overdue past the escalation stage, told to the facilitators and the lead.
    ALERT_ESCALATED = "alert.escalated", _("Overdue task escalated")
    # An operator restored the database from a backup (record_restore): the chains rewound.
    BACKUP_RESTORED = "backup.restored", _("Restored from a backup")
    # Someone took the log away (a CSV or JSON Lines export): its filters and the heads covered.
    AUDIT_EXPORTED = "audit.exported", _("Audit log exported")
    # verify_audit recomputed the chains: its result, on the global chain.
    AUDIT_VERIFIED = "audit.verified", _("Audit log verified")


class Event(models.Model):
    """One entry of the append-only, hash-chained audit log.

    ``content`` is the canonical JSON that was hashed, kept verbatim so that anyone can
    verify a row offline; the other columns repeat it for queries. The database refuses
    UPDATE and DELETE (and TRUNCATE on PostgreSQL) on this table.
    """

    chain = models.CharField(_("chain"), max_length=40)
    seq = models.PositiveBigIntegerField(_("sequence"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    content = models.TextField(_("hashed content"))
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("occurred"))
    plan = models.ForeignKey(
        "plans.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("plan"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_system = models.CharField(_("system actor"), max_length=60, blank=True)
    payload = models.JSONField(_("payload"), default=dict)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_one_per_seq"),
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False, actor_system="")
                | models.Q(actor__isnull=True) & ~models.Q(actor_system=""),
                name="audit_event_one_actor",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "occurred_at"]),
            # The timeline's keyset pages, alone and by kind or by person.
            models.Index(fields=["occurred_at", "id"], name="audit_event_time"),
            models.Index(fields=["kind", "occurred_at"], name="audit_event_kind_time"),
            models.Index(fields=["actor", "occurred_at"], name="audit_event_actor_time"),
        ]

    def __str__(self):
        return f"{self.chain}#{self.seq} {self.kind}"


class ChainHead(models.Model):
    """The last event of each chain: the row appends lock to take turns.

    A convenience for writers only: verification trusts the events, never this table.
    """

    chain = models.CharField(_("chain"), max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField(_("sequence"), default=0)
    hash = models.CharField(_("hash"), max_length=64, default="")

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")

    def __str__(self):
        return f"{self.chain}#{self.seq}"
