"""The example host's own data: teams, users, experiments and pipelines.

Experiments and pipelines follow the shape a real chatbot platform uses: one table per object
type, where a row with ``working_id IS NULL`` is the editable *working copy* and every released
*version* is a frozen row pointing at its working copy (``working_id``) with a ``version_number``.
One version of an experiment may be *published* (the one participants talk to).

Assistants belong to the plugin; the host only stores their ids (``assistant_id`` columns), so
one indexed ``IN (...)`` query finds every object referencing a set of assistants.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from werkzeug.security import check_password_hash, generate_password_hash

db = SQLAlchemy()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Team(db.Model):
    __tablename__ = "host_teams"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False, unique=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=_now)


class User(db.Model):
    __tablename__ = "host_users"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, unique=True)
    password_hash = db.Column(db.String(256), nullable=False)
    team_id = db.Column(db.Integer, db.ForeignKey("host_teams.id"), nullable=False, index=True)
    team = db.relationship(Team)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class VersionedMixin:
    """Working copy / version bookkeeping shared by experiments and pipelines."""

    @property
    def is_version(self) -> bool:
        return self.working_id is not None

    @property
    def display_name(self) -> str:
        return f"{self.name} v{self.version_number}" if self.is_version else self.name


class Pipeline(VersionedMixin, db.Model):
    """A chain of assistants (its *nodes*); experiments may answer through a pipeline."""

    __tablename__ = "host_pipelines"

    id = db.Column(db.Integer, primary_key=True)
    team_id = db.Column(db.Integer, db.ForeignKey("host_teams.id"), nullable=False, index=True)
    working_id = db.Column(db.Integer, db.ForeignKey("host_pipelines.id"), index=True)
    version_number = db.Column(db.Integer)
    release_label = db.Column(db.String(100))
    name = db.Column(db.String(100), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    archived = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=_now)

    nodes = db.relationship("PipelineNode", order_by="PipelineNode.position",
                            cascade="all, delete-orphan", back_populates="pipeline")
    working = db.relationship("Pipeline", remote_side=[id], back_populates="versions")
    versions = db.relationship("Pipeline", back_populates="working",
                               order_by="Pipeline.version_number.desc()")

    __table_args__ = (db.UniqueConstraint("working_id", "version_number"),)

    @property
    def assistant_ids(self) -> list[int]:
        return [node.assistant_id for node in self.nodes]


class PipelineNode(db.Model):
    """One step of a pipeline: the assistant that answers at that position."""

    __tablename__ = "host_pipeline_nodes"

    id = db.Column(db.Integer, primary_key=True)
    pipeline_id = db.Column(db.Integer, db.ForeignKey("host_pipelines.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)
    assistant_id = db.Column(db.Integer, nullable=False, index=True)

    pipeline = db.relationship(Pipeline, back_populates="nodes")


class Experiment(VersionedMixin, db.Model):
    """A chatbot. It answers with an assistant directly, through a pipeline, or both."""

    __tablename__ = "host_experiments"

    id = db.Column(db.Integer, primary_key=True)
    team_id = db.Column(db.Integer, db.ForeignKey("host_teams.id"), nullable=False, index=True)
    working_id = db.Column(db.Integer, db.ForeignKey("host_experiments.id"), index=True)
    version_number = db.Column(db.Integer)
    release_label = db.Column(db.String(100))
    name = db.Column(db.String(100), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    welcome_message = db.Column(db.Text, nullable=False, default="")
    assistant_id = db.Column(db.Integer, index=True)
    pipeline_id = db.Column(db.Integer, db.ForeignKey("host_pipelines.id"), index=True)
    published = db.Column(db.Boolean, nullable=False, default=False)
    archived = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=_now)

    pipeline = db.relationship(Pipeline)
    working = db.relationship("Experiment", remote_side=[id], back_populates="versions")
    versions = db.relationship("Experiment", back_populates="working",
                               order_by="Experiment.version_number.desc()")

    __table_args__ = (db.UniqueConstraint("working_id", "version_number"),)

    @property
    def published_version(self) -> "Experiment | None":
        return next((v for v in self.versions if v.published and not v.archived), None)
