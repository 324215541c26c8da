"""Serve the items API on 127.0.0.1: `python serve.py PORT DATABASE EMAIL:PASSWORD`.

A FastAPI app on fastapi-users (its SQLAlchemy adapter over aiosqlite, a new SQLite file at
DATABASE) with its JWT bearer backend, served by uvicorn until it is stopped. The routes are
fastapi-users' own, as its docs wire them: `POST /auth/jwt/login` (a FORM of `username` and
`password`, answered `{"access_token": ..., "token_type": "bearer"}`, or 400
`{"detail": "LOGIN_BAD_CREDENTIALS"}`), `/auth/jwt/logout`, `POST /auth/register`, `GET` and
`PATCH /users/me`, `GET`, `PATCH` and `DELETE /users/{id}` (a superuser's); the user has one
custom field, `display_name`, as the docs' "custom fields" add one. Beside them, a CRUD of the
app's own, each item owned by the logged-in user: `POST /items` (201 with the item), `GET
/items` (the user's, a bare array), `GET`, `PATCH /items/{id}` (200 with the item), `DELETE
/items/{id}` (204); an item of someone else, or none, is 404 `{"detail": "Item not found"}`.
Without a valid bearer token every route but login and register answers 401
`{"detail": "Unauthorized"}`; a body pydantic refuses 422 `{"detail": [...]}`.

EMAIL:PASSWORD is registered at start as an active, verified superuser. FASTAPI_USERS_JWT_LIFETIME
sets the tokens' lifetime in seconds (3600 unless set). FASTAPI_USERS_DEFECTS (comma-separated)
plants defects: "lost-update" answers an item's PATCH with the item as it would be and stores
nothing; "kept-delete" answers an item's DELETE 204 and deletes nothing; "dropped-field" stores
a new item without its `note` (answered as sent); "open-items" serves /items to anyone, the
token unchecked (a missing or invalid one acts as the registered user); "lost-me-update"
answers `PATCH /users/me` with the user as it would be and stores nothing; "null-update"
takes a null title or quantity in an item's PATCH, and crashes on it (500);
"long-display-name" takes a user's display_name of any length in a PATCH.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.db import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

port, database, credential = int(sys.argv[1]), sys.argv[2], sys.argv[3]
email, password = credential.split(":", 1)
defects = set(filter(None, os.environ.get("FASTAPI_USERS_DEFECTS", "").split(",")))
lifetime = int(os.environ.get("FASTAPI_USERS_JWT_LIFETIME", "3600"))
SECRET = "apitest-tests-only-this-is-not-a-secret"

engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    display_name: Mapped[str | None] = mapped_column(String(length=60), nullable=True)


class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(length=60))
    note: Mapped[str | None] = mapped_column(String(length=200), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))


class UserRead(schemas.BaseUser[uuid.UUID]):
    display_name: str | None = None


class UserCreate(schemas.BaseUserCreate):
    display_name: str | None = Field(default=None, max_length=60)


class UserUpdate(schemas.BaseUserUpdate):
    display_name: str | None = Field(
        default=None, max_length=None if "long-display-name" in defects else 60
    )


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=60)
    note: str | None = Field(default=None, max_length=200)
    quantity: int = Field(default=1, ge=0, le=1000)


class ItemUpdate(BaseModel):
    """Each field may be left out, and only `note` may be null: the column of each other is
    NOT NULL."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(default=None, min_length=1, max_length=60)  # type: ignore[assignment]
    note: str | None = Field(default=None, max_length=200)
    quantity: int = Field(default=None, ge=0, le=1000)  # type: ignore[assignment]


class NullableItemUpdate(ItemUpdate):
    """ "null-update": the usual slip of a partial update, `X | None` for every field, so a
    null title reaches the NOT NULL column (500)."""

    title: str | None = Field(default=None, min_length=1, max_length=60)  # type: ignore[assignment]
    quantity: int | None = Field(default=None, ge=0, le=1000)  # type: ignore[assignment]


ItemPatch = NullableItemUpdate if "null-update" in defects else ItemUpdate


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    note: str | None
    quantity: int
    owner_id: uuid.UUID


async def get_session() -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]


async def get_user_db(session: Session) -> AsyncIterator[Any]:
    yield SQLAlchemyUserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET

    async def _update(self, user: User, update_dict: dict[str, Any]) -> User:
        if "lost-me-update" not in defects or update_dict.keys() - {"display_name"}:
            return await super()._update(user, update_dict)
        for name, value in update_dict.items():
            setattr(user, name, value)  # answered as it would be, never committed
        return user


async def get_user_manager(
    user_db: Annotated[Any, Depends(get_user_db)],
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db)


def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(secret=SECRET, lifetime_seconds=lifetime)


auth_backend = AuthenticationBackend(
    name="jwt",
    transport=BearerTransport(tokenUrl="auth/jwt/login"),
    get_strategy=get_jwt_strategy,
)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])
current_active_user = fastapi_users.current_user(active=True)


async def the_registered_user(session: Session) -> User:
    """ "open-items": whoever calls is the registered user, token or none."""
    found = (await session.execute(select(User).where(User.email == email))).scalar_one()
    return found


item_owner = the_registered_user if "open-items" in defects else current_active_user
Owner = Annotated[User, Depends(item_owner)]

app = FastAPI()
app.include_router(fastapi_users.get_auth_router(auth_backend), prefix="/auth/jwt", tags=["auth"])
app.include_router(
    fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"]
)
app.include_router(
    fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"]
)


async def owned(session: AsyncSession, item_id: int, user: User) -> Item:
    item = await session.get(Item, item_id)
    if item is None or item.owner_id != user.id:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


@app.post("/items", status_code=201, response_model=ItemRead)
async def create_item(
    body: ItemCreate,
    user: Owner,
    session: Session,
) -> Any:
    values = body.model_dump()
    stored = {**values, "note": None} if "dropped-field" in defects else values
    item = Item(**stored, owner_id=user.id)
    session.add(item)
    await session.commit()
    return {**values, "id": item.id, "owner_id": user.id}


@app.get("/items", response_model=list[ItemRead])
async def list_items(user: Owner, session: Session) -> Any:
    found = await session.execute(select(Item).where(Item.owner_id == user.id).order_by(Item.id))
    return found.scalars().all()


@app.get("/items/{item_id}", response_model=ItemRead)
async def read_item(item_id: int, user: Owner, session: Session) -> Any:
    return await owned(session, item_id, user)


@app.patch("/items/{item_id}", response_model=ItemRead)
async def update_item(
    item_id: int,
    body: ItemPatch,  # type: ignore[valid-type]
    user: Owner,
    session: Session,
) -> Any:
    item = await owned(session, item_id, user)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(item, name, value)
    answer = ItemRead.model_validate(item)
    if "lost-update" in defects:
        await session.rollback()
    else:
        await session.commit()
    return answer


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int, user: Owner, session: Session) -> Response:
    item = await owned(session, item_id, user)
    if "kept-delete" not in defects:
        await session.delete(item)
        await session.commit()
    return Response(status_code=204)


async def start() -> None:
    """The tables made afresh, and the registered user in them."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
    async with sessions() as session:
        manager = UserManager(SQLAlchemyUserDatabase(session, User))
        made = UserCreate(email=email, password=password, is_superuser=True, is_verified=True)
        await manager.create(made, safe=False)


asyncio.run(start())
uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")  # each call logged
