"""Settings read from the environment and a .env file; the only module that reads them."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.anonymity import MIN_KEY_LENGTH
from bot.core.checks.concerns import load_concern_phrases, read_phrases_file
from bot.core.checks.post_checks import PostChecks
from bot.core.retention import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
# A Slack user id: U, or W for Enterprise Grid, then upper-case letters and digits,
# at most 128 characters in all to fit the database's id columns.
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,127}$")
# The highest STAFFVOICE_OUTBOX_RATE accepted, to catch a mistyped value. Slack
# publishes no workspace-wide limit for chat.postMessage, so this bound is a guess.
MAX_OUTBOX_RATE = 50.0
# An Entra (Azure AD) id: an app, tenant or user object id.
ENTRA_ID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line naming it and what to set."""


class Settings(BaseSettings):
    """Every setting staffvoice reads; field names are the environment variable names."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    # The Teams bot's Entra app registration: its application (client) id, a client
    # secret and the tenant (directory) id. With all three set, the bot serves Teams.
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str | None = None
    # Accept Teams activities without checking their token. For tests and the
    # simulation only: refused unless STAFFVOICE_ALLOW_UNAUTHENTICATED_TEAMS is also
    # set, and refused beside a TEAMS_APP_PASSWORD.
    teams_auth_disabled: bool = False
    staffvoice_allow_unauthenticated_teams: bool = False
    # Comma-separated Entra object ids of Teams users granted the manager role at start-up.
    staffvoice_teams_managers: str = ""
    database_url: str = "sqlite:///staffvoice.db"
    staffvoice_timezone: str = "Europe/London"
    staffvoice_log_level: str = Field(default="INFO")
    # Comma-separated Slack user ids granted the manager role at start-up.
    staffvoice_managers: str = ""
    # Direct messages and outbox posts each process sends per second.
    staffvoice_outbox_rate: float = 1.0
    # Groups with fewer people than this are reported only within "other groups".
    staffvoice_min_group_size: int = 11
    # Key of the author hashes of anonymous posts; anonymous posting is off without it.
    staffvoice_anon_key: SecretStr | None = None
    # Who staff should contact about a concern, named when a post reads like one.
    staffvoice_speak_up_contact: str = ""
    # Days after a campaign closes until its contributions are anonymised; None keeps them.
    staffvoice_retention_days: int | None = None
    # A UTF-8 file of concern phrases, one a line, added to the built-in list.
    staffvoice_concern_phrases_file: str = ""

    @field_validator("slack_bot_token")
    @classmethod
    def _check_bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("expected a bot token starting with xoxb-")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _check_signing_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # .env.example ships the line empty; an empty value means not set.
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _check_app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("expected an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        # psycopg 3 is the PostgreSQL driver installed with staffvoice, so plain
        # postgresql:// URLs are pointed at it instead of SQLAlchemy's psycopg2 default.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        if not value.startswith(("sqlite:", "postgresql+")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        if value in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
            # Every connection to an in-memory SQLite database sees a new, empty one.
            raise ValueError(
                "an in-memory SQLite database is not supported: name a file, "
                "such as sqlite:///staffvoice.db"
            )
        return value

    @field_validator("staffvoice_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone name such as Europe/London"
            ) from None
        return value

    @field_validator("staffvoice_log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("staffvoice_outbox_rate")
    @classmethod
    def _check_outbox_rate(cls, value: float) -> float:
        if not 0 < value <= MAX_OUTBOX_RATE:
            raise ValueError(f"expected messages per second above 0 and at most {MAX_OUTBOX_RATE}")
        return value

    @field_validator("staffvoice_min_group_size")
    @classmethod
    def _check_min_group_size(cls, value: int) -> int:
        if not 2 <= value <= 1000:
            raise ValueError("expected a whole number of people from 2 to 1000, such as 11")
        return value

    @field_validator("staffvoice_anon_key")
    @classmethod
    def _check_anon_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        if value is not None and len(value.get_secret_value()) < MIN_KEY_LENGTH:
            raise ValueError(
                f"expected at least {MIN_KEY_LENGTH} characters; make a key with"
                ' python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return value

    @field_validator("staffvoice_concern_phrases_file")
    @classmethod
    def _check_concern_phrases_file(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                read_phrases_file(Path(value))
            except ValueError as error:
                raise ValueError(f"{error}; name a readable text file, one phrase a line") from None
        return value

    @field_validator("staffvoice_retention_days", mode="before")
    @classmethod
    def _check_retention_days(cls, value: object) -> object:
        # .env.example ships the line empty; an empty value keeps contributions.
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError(f"expected a whole number of days, at least {MIN_RETENTION_DAYS}")
        if value is not None and int(str(value)) > MAX_RETENTION_DAYS:
            raise ValueError(
                f"expected at most {MAX_RETENTION_DAYS} days (100 years); leave it empty to "
                "keep contributions"
            )
        if value is not None and int(str(value)) < MIN_RETENTION_DAYS:
            raise ValueError(
                f"expected at least {MIN_RETENTION_DAYS} days, so that reports and follow-up "
                "of a closed campaign can still name people"
            )
        return value

    @field_validator("staffvoice_managers")
    @classmethod
    def _check_managers(cls, value: str) -> str:
        user_ids = [part.strip() for part in value.split(",") if part.strip()]
        for user_id in user_ids:
            if not SLACK_USER_ID.match(user_id):
                raise ValueError(
                    f"{user_id!r} is not a Slack user ID: list member IDs such as U0123ABCD,"
                    " separated by commas (in Slack: the person's profile, ⋮, Copy member ID)"
                )
        return ",".join(user_ids)

    @field_validator("teams_auth_disabled", "staffvoice_allow_unauthenticated_teams", mode="before")
    @classmethod
    def _check_flag(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() not in (
            "true",
            "false",
            "1",
            "0",
            "yes",
            "no",
            "on",
            "off",
            "",
        ):
            raise ValueError(f"expected true or false, not {value!r}")
        if isinstance(value, str) and not value.strip():
            return False
        return value

    @field_validator("teams_app_id", "teams_tenant_id")
    @classmethod
    def _check_teams_id(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not ENTRA_ID.match(value.strip()):
            raise ValueError(
                "expected a GUID such as 00000000-0000-0000-0000-000000000000, from the app "
                "registration's Overview page in the Microsoft Entra admin center"
            )
        return value.strip().lower()

    @field_validator("teams_app_password")
    @classmethod
    def _check_teams_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("staffvoice_teams_managers")
    @classmethod
    def _check_teams_managers(cls, value: str) -> str:
        user_ids = [part.strip().lower() for part in value.split(",") if part.strip()]
        for user_id in user_ids:
            if not ENTRA_ID.match(user_id):
                raise ValueError(
                    f"{user_id!r} is not an Entra object id: list GUIDs separated by commas "
                    "(Microsoft Entra admin center, Users, the person, Object ID)"
                )
        return ",".join(user_ids)

    @property
    def timezone(self) -> ZoneInfo:
        """Return the organisation's local time zone."""
        return ZoneInfo(self.staffvoice_timezone)

    @property
    def manager_ids(self) -> tuple[str, ...]:
        """Return the Slack user ids in STAFFVOICE_MANAGERS, without repeats."""
        user_ids = self.staffvoice_managers.split(",") if self.staffvoice_managers else []
        return tuple(dict.fromkeys(user_ids))

    @property
    def anon_key(self) -> str | None:
        """Return STAFFVOICE_ANON_KEY, or None when anonymous posting is off."""
        key = self.staffvoice_anon_key
        return key.get_secret_value() if key is not None else None

    @property
    def post_checks(self) -> PostChecks:
        """Return the checks run on posts, with the concern phrases and the speak-up contact."""
        path = self.staffvoice_concern_phrases_file
        return PostChecks(
            phrases=load_concern_phrases(Path(path) if path else None),
            speak_up_contact=self.staffvoice_speak_up_contact.strip() or None,
        )

    @property
    def socket_mode(self) -> bool:
        """Return whether the bot connects through Socket Mode instead of serving HTTP."""
        return self.slack_app_token is not None

    def require_slack(self) -> None:
        """Raise ConfigError naming the first Slack setting that serving the bot needs."""
        if self.slack_bot_token is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: set it to the app's Bot User OAuth Token (xoxb-...)"
                " from the Slack app's OAuth & Permissions page, in the environment or .env"
            )
        if not self.socket_mode and self.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: set it to the Signing Secret from the Slack"
                " app's Basic Information page, or set SLACK_APP_TOKEN to use Socket Mode"
            )

    @property
    def slack_configured(self) -> bool:
        """Return whether any Slack setting is set, so the bot should serve Slack."""
        return self.slack_bot_token is not None or self.slack_app_token is not None

    @property
    def teams_configured(self) -> bool:
        """Return whether any Teams setting is set, so the bot should serve Teams."""
        return any(
            value is not None
            for value in (self.teams_app_id, self.teams_app_password, self.teams_tenant_id)
        ) or bool(self.teams_auth_disabled)

    @property
    def teams_manager_ids(self) -> tuple[str, ...]:
        """Return the Entra object ids in STAFFVOICE_TEAMS_MANAGERS, without repeats."""
        value = self.staffvoice_teams_managers
        return tuple(dict.fromkeys(value.split(","))) if value else ()

    def require_teams(self) -> None:
        """Raise ConfigError naming the first Teams setting that serving Teams needs."""
        if self.teams_app_id is None:
            raise ConfigError(
                "TEAMS_APP_ID is not set: set it to the Application (client) ID of the bot's"
                " app registration in the Microsoft Entra admin center"
            )
        if self.teams_auth_disabled:
            if not self.staffvoice_allow_unauthenticated_teams:
                raise ConfigError(
                    "TEAMS_AUTH_DISABLED is set: it accepts anyone's requests as Teams activities"
                    " and is for tests only; unset it, or also set"
                    " STAFFVOICE_ALLOW_UNAUTHENTICATED_TEAMS=true on a test machine"
                )
            if self.teams_app_password is not None:
                raise ConfigError(
                    "TEAMS_AUTH_DISABLED is set beside TEAMS_APP_PASSWORD: a deployment with"
                    " real credentials must check tokens, so unset TEAMS_AUTH_DISABLED"
                )
            return
        if self.teams_app_password is None:
            raise ConfigError(
                "TEAMS_APP_PASSWORD is not set: set it to a client secret's value from the app"
                " registration's Certificates & secrets page"
            )
        if self.teams_tenant_id is None:
            raise ConfigError(
                "TEAMS_TENANT_ID is not set: set it to the Directory (tenant) ID from the app"
                " registration's Overview page"
            )

    def require_platform(self) -> None:
        """Raise ConfigError unless the settings serve Slack, Teams or both, completely."""
        if not self.slack_configured and not self.teams_configured:
            raise ConfigError(
                "Neither Slack nor Teams is set up: set SLACK_BOT_TOKEN and"
                " SLACK_SIGNING_SECRET for Slack, or TEAMS_APP_ID, TEAMS_APP_PASSWORD and"
                " TEAMS_TENANT_ID for Teams (see .env.example)"
            )
        if self.slack_configured:
            self.require_slack()
        if self.teams_configured:
            self.require_teams()


def load_settings(**overrides: object) -> Settings:
    """Read the settings, raising ConfigError with one line for the first invalid one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name} is invalid: {reason}") from None
