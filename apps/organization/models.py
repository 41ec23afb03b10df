"""People, departments, channels and role grants (DESIGN §3 organization)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import roles
from apps.core.models import ArchivableModel, TimeStampedModel


class Department(ArchivableModel):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Channel(ArchivableModel):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person (or a system account for an integration); signs in with e-mail."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    primary_department = models.ForeignKey(
        Department,
        verbose_name=_("primary department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_system = models.BooleanField(
        _("system account"),
        default=False,
        help_text=_("An integration: its API tokens may only ingest data."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class RoleGrant(TimeStampedModel):
    """One role of one user; department heads get one grant per department they head."""

    class Role(models.TextChoices):
        CX_LEADER = roles.CX_LEADER, _("CX leader")
        EXECUTIVE = roles.EXECUTIVE, _("Executive")
        DEPARTMENT_HEAD = roles.DEPARTMENT_HEAD, _("Department head")
        CONTRIBUTOR = roles.CONTRIBUTOR, _("Contributor")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_grants",
    )

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            # NULLs in a unique key are distinct by default: a partial index keeps one
            # department-less grant per role, another one grant per role and department.
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(department__isnull=True),
                name="uniq_role_grant_without_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department"],
                condition=models.Q(department__isnull=False),
                name="uniq_role_grant_with_department",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=roles.DEPARTMENT_HEAD) | models.Q(department__isnull=False),
                name="department_head_names_a_department",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_role_display()
        return f"{label} — {self.department}" if self.department_id else str(label)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TimeStampedModel):
    """A personal or system API token. Only its SHA-256 is stored; the key is shown once."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def new_key(cls) -> str:
        return secrets.token_urlsafe(32)
