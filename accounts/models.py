"""The person behind every account: email login, profile and preferences."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


def validate_time_zone(value: str) -> None:
    """Accept only names of the IANA time zone database."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="unknown_time_zone")


class UserManager(BaseUserManager):
    """Creates users identified by email address."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if not fields["is_staff"] or not fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser.")
        return self._create_user(email, password, **fields)


class User(AbstractUser):
    """A member of the installation; communities and roles hang off it elsewhere."""

    class Sector(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")
        ACADEMIC = "academic", _("Academic")
        NON_PROFIT = "non_profit", _("Non-profit")
        OTHER = "other", _("Other")

    class DigestFrequency(models.TextChoices):
        OFF = "off", _("Never")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("How other members see you. Defaults to the start of your email address."),
    )
    handle = models.SlugField(
        _("mention name"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Others mention you with @ and this name. Letters, digits and hyphens."),
    )
    organization = models.CharField(_("organization"), max_length=150, blank=True)
    discipline = models.CharField(
        _("discipline"),
        max_length=100,
        blank=True,
        help_text=_("Your field of practice, e.g. mathematics teaching or urban planning."),
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    bio = models.TextField(
        _("about you"),
        max_length=2000,
        blank=True,
        help_text=_("A few lines on your practice and what you hope to learn."),
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the pages and emails. Empty: your browser's language."),
    )
    # Validated rather than given choices, so a tzdata update does not mean a migration.
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # Site staff mark organizers: where only they may start communities (SiteSettings).
    may_create_communities = models.BooleanField(
        _("may start communities"),
        default=False,
        help_text=_("Lets this person start communities when the site limits it to organizers."),
    )
    # The person's choice per kind of email (communities.emails): {"mentions": "immediate", …};
    # a kind not in it has its default.
    email_preferences = models.JSONField(_("email preferences"), default=dict, blank=True)
    digest_frequency = models.CharField(
        _("email digest"),
        max_length=10,
        choices=DigestFrequency.choices,
        default=DigestFrequency.WEEKLY,
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What other people see: the display name, else the email's local part."""
        return self.display_name or self.email.split("@", 1)[0]

    def save(self, *args, **kwargs):
        if not self.handle:
            self.handle = self._free_handle()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "handle"}
        super().save(*args, **kwargs)

    def _free_handle(self) -> str:
        """A mention name from the display name or the email, unused by anyone else."""
        base = slugify(self.display_name or self.email.split("@", 1)[0])[:32].strip("-") or "member"
        taken = set(
            User.objects.filter(handle__startswith=base)
            .exclude(pk=self.pk)
            .values_list("handle", flat=True)
        )
        if base not in taken:
            return base
        number = 2
        while f"{base}-{number}" in taken:
            number += 1
        return f"{base}-{number}"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name
