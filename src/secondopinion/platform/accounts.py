"""Accounts and sessions: sign-up, login with throttling and TOTP, logout, staff accounts,
caregiver invitations and reviewer profiles."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import String, bindparam, select

from secondopinion.errors import InputError
from secondopinion.platform.access import load_request, require_role
from secondopinion.platform.context import Actor, Anonymous, Platform
from secondopinion.platform.errors import Conflict, NotAuthenticated, NotFound, Throttled
from secondopinion.platform.views import (
    InvitationView,
    ReviewerProfileView,
    SessionView,
    TotpSetupView,
    UserView,
)
from secondopinion.security import passwords, sessions, totp
from secondopinion.store.db import HotSelect
from secondopinion.store.platform import ROLES, STAFF_ROLES, LoginThrottle, ReviewerProfile, User, WebSession
from secondopinion.store.platform_requests import CaregiverInvitation, CaregiverLink

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
INVITATION_DAYS = 14
IP_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class SessionState:
    """A live session as the web layer needs it on each request."""

    token: str
    session_id: str
    csrf_token: str
    user_id: str | None
    role: str | None
    mfa_pending: bool
    mfa_enrolled: bool
    display_name: str | None = None  # for the pages' header: read with the session, no query of its own

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None and not self.mfa_pending


def _user_view(u: User) -> UserView:
    return UserView(
        id=u.id,
        email=u.email,
        display_name=u.display_name,
        role=u.role,  # type: ignore[arg-type]
        totp_enabled=u.totp_secret is not None,
        active=u.active,
    )


def _state(token: str, row: WebSession, user: User | None) -> SessionState:
    return SessionState(
        token=token,
        session_id=row.id,
        csrf_token=row.csrf_token,
        user_id=user.id if user else None,
        role=user.role if user else None,
        mfa_pending=row.mfa_pending,
        mfa_enrolled=bool(user and user.totp_secret),
        display_name=user.display_name if user else None,
    )


# Runs on every request; composed once (composing costs more than running it). Plain columns, not
# ORM objects: loading two objects cost more than the query itself.
_S, _U = WebSession.__table__.c, User.__table__.c
_SESSION_AND_USER = HotSelect(
    select(
        _S.id,
        _S.csrf_token,
        _S.mfa_pending,
        _S.last_seen_at,
        _S.user_id.label("session_user_id"),
        _U.id.label("user_id"),
        _U.role,
        _U.active,
        _U.display_name,
        _U.totp_secret.is_not(None).label("mfa_enrolled"),
    )
    .select_from(WebSession.__table__.outerjoin(User.__table__, _U.id == _S.user_id))
    .where(_S.id == bindparam("session_id", type_=String()))
)


def resolve_session(ctx: Platform, token: str | None) -> SessionState | None:
    """The live session behind a cookie, or None (unknown, idle too long, or user disabled).
    Reads take no write lock; the session row is written only to expire it or to record use
    (at most once a minute)."""
    if not token or len(token) > 100:
        return None
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    now = ctx.now()
    rows = _SESSION_AND_USER.rows(ctx.read_engine, {"session_id": sessions.token_id(token)})
    if not rows:
        return None
    found = rows[0]
    fresh = now - found.last_seen_at <= sessions.TOUCH_EVERY
    has_live_user = found.user_id is not None and found.active
    if fresh and now - found.last_seen_at <= idle and (found.session_user_id is None or has_live_user):
        return SessionState(
            token=token,
            session_id=found.id,
            csrf_token=found.csrf_token,
            user_id=found.user_id,
            role=found.role,
            mfa_pending=found.mfa_pending,
            mfa_enrolled=bool(found.mfa_enrolled),
            display_name=found.display_name,
        )
    with ctx.tx() as db:
        row = sessions.load(db, token, now, idle)
        if row is None:
            return None
        user = db.get(User, row.user_id) if row.user_id else None
        if row.user_id and (user is None or not user.active):
            db.delete(row)
            return None
        return _state(token, row, user)


def new_anonymous_session(ctx: Platform) -> SessionState:
    with ctx.tx() as db:
        token, row = sessions.create(db, ctx.now())
        return _state(token, row, None)


def session_view(ctx: Platform, state: SessionState) -> SessionView:
    user = None
    if state.user_id:
        with ctx.read() as db:
            u = db.get(User, state.user_id)
            user = _user_view(u) if u else None
    return SessionView(
        authenticated=state.authenticated,
        user=user if state.authenticated else None,
        mfa_required=state.mfa_pending,
        mfa_enrolled=state.mfa_enrolled,
        csrf_token=state.csrf_token,
    )


def actor_of(state: SessionState | None, ip: str | None = None, correlation_id: str | None = None) -> Actor:
    if state is None or not state.authenticated or state.user_id is None or state.role is None:
        raise NotAuthenticated("log in first")
    return Actor(user_id=state.user_id, role=state.role, ip=ip, correlation_id=correlation_id)


def _normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InputError("enter a valid e-mail address")
    return email


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signup(
    ctx: Platform,
    who: Anonymous,
    email: str,
    password: str,
    display_name: str,
    invitation_token: str | None = None,
) -> UserView:
    """A patient account, or a caregiver account when an invitation token from a patient is given."""
    email = _normalise_email(email)
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise InputError("enter a name of 1 to 200 characters")
    passwords.check_strength(password)
    hashed = passwords.hash_password(password)
    now = ctx.now()
    with ctx.tx() as db:
        if db.scalar(select(User.id).where(User.email == email)):
            raise Conflict("an account with this e-mail address exists; log in instead")
        invitation = None
        if invitation_token:
            invitation = db.scalars(
                select(CaregiverInvitation).where(
                    CaregiverInvitation.token_hash == _token_hash(invitation_token)
                )
            ).first()
            if invitation is None or invitation.accepted_by or invitation.expires_at < now:
                raise InputError("the invitation is not valid or has expired; ask the patient for a new one")
        user = User(
            email=email,
            display_name=display_name,
            role="caregiver" if invitation else "patient",
            password_hash=hashed,
            created_at=now,
        )
        db.add(user)
        db.flush()
        if invitation:
            invitation.accepted_by, invitation.accepted_at = user.id, now
            db.add(CaregiverLink(request_id=invitation.request_id, caregiver_id=user.id, created_at=now))
        view = _user_view(user)
    ctx.audit(who, "account.signup", object_type="user", object_id=view.id, detail={"role": view.role})
    return view


def _throttle_key(ip: str | None) -> str:
    return f"ip:{ip or 'unknown'}"[:100]


def login(
    ctx: Platform, who: Anonymous, current: SessionState | None, email: str, password: str
) -> SessionState:
    """Check the password; on success replace the session. Staff accounts get a session that
    still needs the TOTP code (`mfa_pending`)."""
    now = ctx.now()
    lock = timedelta(minutes=ctx.settings.lock_minutes)
    email_n = email.strip().lower()
    outcome, user_id, retry = "ok", None, 0
    with ctx.tx() as db:
        ip_row = db.get(LoginThrottle, _throttle_key(who.ip))
        user = db.scalars(select(User).where(User.email == email_n)).first()
        if ip_row and ip_row.locked_until and ip_row.locked_until > now:
            outcome, retry = "throttled_ip", int((ip_row.locked_until - now).total_seconds()) + 1
        elif user and user.locked_until and user.locked_until > now:
            outcome, retry = "throttled_account", int((user.locked_until - now).total_seconds()) + 1
        else:
            if user is None or not user.active:
                passwords.burn_time(password)
                outcome = "bad_credentials"
            elif not passwords.verify_password(password, user.password_hash):
                outcome = "bad_credentials"
            if outcome != "ok":
                if user is not None:
                    user.failed_logins += 1
                    if user.failed_logins >= ctx.settings.account_lock_after:
                        user.locked_until, user.failed_logins = now + lock, 0
                if ip_row is None:
                    ip_row = LoginThrottle(key=_throttle_key(who.ip), failures=0, window_start=now)
                    db.add(ip_row)
                if now - ip_row.window_start > IP_WINDOW:
                    ip_row.failures, ip_row.window_start = 0, now
                ip_row.failures += 1
                if ip_row.failures >= ctx.settings.ip_lock_after:
                    ip_row.locked_until, ip_row.failures = now + lock, 0
            else:
                assert user is not None
                user.failed_logins, user.locked_until = 0, None
                old = db.get(WebSession, current.session_id) if current else None
                staff = user.role in STAFF_ROLES
                if not staff:
                    user.last_login_at = now
                token, row = sessions.rotate(db, old, now, user.id, mfa_pending=staff)
                state = _state(token, row, user)
                sessions.purge_idle(db, now, timedelta(minutes=ctx.settings.session_idle_minutes))
        user_id = user.id if user else None
    audit_actor = Anonymous(ip=who.ip, correlation_id=who.correlation_id)
    if outcome.startswith("throttled"):
        ctx.audit(
            audit_actor,
            "auth.login",
            outcome="throttled",
            object_type="user",
            object_id=user_id,
            detail={"reason": outcome},
        )
        raise Throttled("too many failed attempts; try again later", retry)
    if outcome != "ok":
        ctx.audit(audit_actor, "auth.login", outcome="failed", object_type="user", object_id=user_id)
        raise NotAuthenticated("the e-mail address or password is wrong")
    ctx.audit(
        audit_actor,
        "auth.login",
        outcome="mfa_pending" if state.mfa_pending else "ok",
        object_type="user",
        object_id=user_id,
    )
    return state


def totp_setup(ctx: Platform, state: SessionState) -> TotpSetupView:
    """A new authenticator secret for a staff member logging in for the first time."""
    if not state.mfa_pending or state.user_id is None:
        raise Conflict("log in with your password first")
    if state.mfa_enrolled:
        raise Conflict("an authenticator is already set up for this account")
    secret = totp.new_secret()
    with ctx.tx() as db:
        row = db.get(WebSession, state.session_id)
        user = db.get(User, state.user_id)
        if row is None or user is None:
            raise NotAuthenticated("the session has ended; log in again")
        row.totp_setup_secret = ctx.vault.seal_text(secret, f"totp-setup:{row.id}")
        email = user.email
    ctx.audit(None, "auth.totp_setup", object_type="user", object_id=state.user_id)
    return TotpSetupView(secret=secret, otpauth_uri=totp.provisioning_uri(secret, email))


def totp_verify(ctx: Platform, who: Anonymous, state: SessionState, code: str) -> SessionState:
    """Second step of a staff login (and first use of a new authenticator)."""
    if not state.mfa_pending or state.user_id is None:
        raise Conflict("log in with your password first")
    now = ctx.now()
    ok, enrolled = False, False
    with ctx.tx() as db:
        row = db.get(WebSession, state.session_id)
        user = db.get(User, state.user_id)
        if row is None or user is None:
            raise NotAuthenticated("the session has ended; log in again")
        if user.locked_until and user.locked_until > now:
            retry = int((user.locked_until - now).total_seconds()) + 1
            locked = True
        else:
            locked, retry = False, 0
            if user.totp_secret:
                secret = ctx.vault.open_text(user.totp_secret, f"totp:{user.id}")
            elif row.totp_setup_secret:
                secret = ctx.vault.open_text(row.totp_setup_secret, f"totp-setup:{row.id}")
                enrolled = True
            else:
                raise Conflict("set up an authenticator first")
            counter = totp.verify(secret, code, now, user.totp_last_counter)
            if counter is None:
                user.failed_logins += 1
                if user.failed_logins >= ctx.settings.account_lock_after:
                    user.locked_until, user.failed_logins = (
                        now + timedelta(minutes=ctx.settings.lock_minutes),
                        0,
                    )
            else:
                ok = True
                user.totp_last_counter, user.failed_logins, user.last_login_at = counter, 0, now
                if enrolled:
                    user.totp_secret = ctx.vault.seal_text(secret, f"totp:{user.id}")
                token, new_row = sessions.rotate(db, row, now, user.id, mfa_pending=False)
                new_state = _state(token, new_row, user)
    actor = Anonymous(ip=who.ip, correlation_id=who.correlation_id)
    if locked:
        ctx.audit(actor, "auth.totp", outcome="throttled", object_type="user", object_id=state.user_id)
        raise Throttled("too many failed attempts; try again later", retry)
    if not ok:
        ctx.audit(actor, "auth.totp", outcome="failed", object_type="user", object_id=state.user_id)
        raise NotAuthenticated("the code is wrong or was already used; wait for the next one")
    ctx.audit(
        actor,
        "auth.totp",
        outcome="ok",
        object_type="user",
        object_id=state.user_id,
        detail={"enrolled": enrolled},
    )
    return new_state


def logout(ctx: Platform, who: Anonymous, state: SessionState) -> None:
    with ctx.tx() as db:
        row = db.get(WebSession, state.session_id)
        if row is not None:
            db.delete(row)
    if state.user_id:
        ctx.audit(who, "auth.logout", object_type="user", object_id=state.user_id)


def me(ctx: Platform, actor: Actor) -> UserView:
    with ctx.read() as db:
        user = db.get(User, actor.user_id)
        if user is None:
            raise NotAuthenticated("log in first")
        return _user_view(user)


# ------------------------------------------------------------------ administration


def create_user(
    ctx: Platform, actor: Actor, email: str, role: str, display_name: str, password: str
) -> UserView:
    """Staff and any other account, created by an administrator. Staff set up TOTP at first login."""
    require_role(ctx, actor, "user.create", "admin")
    email = _checked_account(email, role, password)
    if not display_name.strip() or len(display_name) > 200:
        raise InputError("enter a name of 1 to 200 characters")
    view = _insert_account(ctx, email, role, display_name, password)
    ctx.audit(actor, "user.create", object_type="user", object_id=view.id, detail={"role": role})
    return view


def _checked_account(email: str, role: str, password: str) -> str:
    """The role known and the password strong enough; the e-mail address as it is stored."""
    if role not in ROLES:
        raise InputError(f"unknown role '{role}'; use one of {', '.join(ROLES)}")
    email = _normalise_email(email)
    passwords.check_strength(password)
    return email


def _insert_account(ctx: Platform, email: str, role: str, display_name: str, password: str) -> UserView:
    """An account made by an administrator or the operator (not a signup): a reviewer also gets
    an empty profile to fill in."""
    with ctx.tx() as db:
        if db.scalar(select(User.id).where(User.email == email)):
            raise Conflict("an account with this e-mail address exists")
        user = User(
            email=email,
            display_name=display_name.strip(),
            role=role,
            password_hash=passwords.hash_password(password),
            created_at=ctx.now(),
        )
        db.add(user)
        db.flush()
        if role == "reviewer":
            db.add(ReviewerProfile(user_id=user.id, updated_at=ctx.now()))
        return _user_view(user)


def list_users(ctx: Platform, actor: Actor) -> list[UserView]:
    require_role(ctx, actor, "user.list", "admin")
    with ctx.read() as db:
        views = [_user_view(u) for u in db.scalars(select(User).order_by(User.created_at, User.id))]
    ctx.audit(actor, "user.list", object_type="user", detail={"count": len(views)})
    return views


def set_active(ctx: Platform, actor: Actor, user_id: str, active: bool) -> UserView:
    """Disable or re-enable an account; disabling ends its sessions at once."""
    require_role(ctx, actor, "user.update", "admin")
    if user_id == actor.user_id and not active:
        raise Conflict("you cannot disable your own account")
    with ctx.tx() as db:
        user = db.get(User, user_id) if len(user_id) <= 64 else None
        if user is None:
            raise NotFound("no such user")
        user.active = active
        if not active:
            sessions.destroy_all_for(db, user.id)
        view = _user_view(user)
    ctx.audit(actor, "user.update", object_type="user", object_id=user_id, detail={"active": active})
    return view


# ------------------------------------------------------------------ caregivers


def invite_caregiver(ctx: Platform, actor: Actor, request_id: str) -> InvitationView:
    """A one-time token the patient hands to a caregiver; it grants access to this request only."""
    token = secrets.token_urlsafe(24)
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.invite")
        inv = CaregiverInvitation(
            request_id=req.id,
            invited_by=actor.user_id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        db.add(inv)
        db.flush()
        inv_id = inv.id
    ctx.audit(
        actor, "caregiver.invite", object_type="request", object_id=request_id, detail={"invitation": inv_id}
    )
    return InvitationView(
        request_id=request_id, token=token, expires_at=now + timedelta(days=INVITATION_DAYS)
    )


def accept_invitation(ctx: Platform, actor: Actor, token: str) -> str:
    """A logged-in caregiver accepts a further invitation; returns the request id."""
    require_role(ctx, actor, "caregiver.accept", "caregiver")
    now = ctx.now()
    with ctx.tx() as db:
        inv = db.scalars(
            select(CaregiverInvitation).where(CaregiverInvitation.token_hash == _token_hash(token))
        ).first()
        if inv is None or inv.accepted_by or inv.expires_at < now:
            raise InputError("the invitation is not valid or has expired; ask the patient for a new one")
        inv.accepted_by, inv.accepted_at = actor.user_id, now
        exists = db.scalar(
            select(CaregiverLink.id).where(
                CaregiverLink.request_id == inv.request_id, CaregiverLink.caregiver_id == actor.user_id
            )
        )
        if not exists:
            db.add(CaregiverLink(request_id=inv.request_id, caregiver_id=actor.user_id, created_at=now))
        request_id = inv.request_id
    ctx.audit(actor, "caregiver.accept", object_type="request", object_id=request_id)
    return request_id


# ------------------------------------------------------------------ reviewer profiles


def _profile_view(p: ReviewerProfile, u: User) -> ReviewerProfileView:
    return ReviewerProfileView(
        user_id=u.id,
        display_name=u.display_name,
        specialties=list(p.specialties),
        subspecialty=p.subspecialty,
        yearly_case_volume=p.yearly_case_volume,
        languages=list(p.languages),
        licence_jurisdiction=p.licence_jurisdiction,
        location=p.location,
        conflicts_of_interest=list(p.conflicts_of_interest),
        accepting=p.accepting,
    )


def list_reviewers(ctx: Platform, actor: Actor) -> list[ReviewerProfileView]:
    require_role(ctx, actor, "reviewer.list", "coordinator", "admin")
    with ctx.read() as db:
        rows = db.execute(
            select(ReviewerProfile, User)
            .join(User, User.id == ReviewerProfile.user_id)
            .where(User.active.is_(True), User.role == "reviewer")
            .order_by(User.display_name, User.id)
        ).all()
        views = [_profile_view(p, u) for p, u in rows]
    ctx.audit(actor, "reviewer.list", object_type="reviewer", detail={"count": len(views)})
    return views


def my_profile(ctx: Platform, actor: Actor) -> ReviewerProfileView:
    require_role(ctx, actor, "reviewer.profile.read", "reviewer")
    with ctx.tx() as db:
        user = db.get(User, actor.user_id)
        assert user is not None
        profile = db.get(ReviewerProfile, actor.user_id)
        if profile is None:
            profile = ReviewerProfile(user_id=actor.user_id, updated_at=ctx.now())
            db.add(profile)
            db.flush()
        view = _profile_view(profile, user)
    ctx.audit(actor, "reviewer.profile.read", object_type="reviewer", object_id=actor.user_id)
    return view


def update_my_profile(
    ctx: Platform,
    actor: Actor,
    *,
    specialties: list[str],
    subspecialty: str = "",
    yearly_case_volume: int = 0,
    languages: list[str] | None = None,
    licence_jurisdiction: str = "",
    location: str = "",
    conflicts_of_interest: list[str] | None = None,
    accepting: bool = True,
) -> ReviewerProfileView:
    require_role(ctx, actor, "reviewer.profile.update", "reviewer")
    unknown = [s for s in specialties if s not in ctx.kb.cancers]
    if unknown:
        raise InputError(f"unknown cancer type '{unknown[0]}'; use knowledge-base ids such as 'nsclc'")
    if yearly_case_volume < 0:
        raise InputError("the yearly case volume cannot be negative")
    with ctx.tx() as db:
        user = db.get(User, actor.user_id)
        assert user is not None
        profile = db.get(ReviewerProfile, actor.user_id)
        if profile is None:
            profile = ReviewerProfile(user_id=actor.user_id)
            db.add(profile)
        profile.specialties = sorted(set(specialties))
        profile.subspecialty = subspecialty.strip()
        profile.yearly_case_volume = yearly_case_volume
        profile.languages = sorted({x.strip().lower() for x in (languages or []) if x.strip()})
        profile.licence_jurisdiction = licence_jurisdiction.strip()
        profile.location = location.strip()
        profile.conflicts_of_interest = [c.strip() for c in (conflicts_of_interest or []) if c.strip()]
        profile.accepting = accepting
        profile.updated_at = ctx.now()
        db.flush()
        view = _profile_view(profile, user)
    ctx.audit(actor, "reviewer.profile.update", object_type="reviewer", object_id=actor.user_id)
    return view


def bootstrap_user(ctx: Platform, email: str, role: str, display_name: str, password: str) -> UserView:
    """An account created by the operator (demo seeding, the first administrator): no web actor."""
    view = _insert_account(ctx, _checked_account(email, role, password), role, display_name, password)
    ctx.audit(
        None, "user.create", object_type="user", object_id=view.id, detail={"role": role, "by": "operator"}
    )
    return view
