"""Personas in SQL, scoped by tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, TimestampMixin


class PersonaRow(TimestampMixin, Base):
    __tablename__ = "personas"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    world: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    knowledge: Mapped[str] = mapped_column(Text, default="")
    outside: Mapped[str] = mapped_column(Text, default="")
    speaking_style: Mapped[str] = mapped_column(Text, default="")
    greeting: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    adapter: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    base_model: Mapped[bool] = mapped_column(Boolean, default=False)
    refusal_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    extraction: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    world_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    memory_scope: Mapped[str] = mapped_column(String(16), default="persona")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
