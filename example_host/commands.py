"""``flask --app example_host ...`` commands of the host."""
from __future__ import annotations

import click
from flask import Flask

from .models import Team, User, db


def register_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo team, user, assistants (in OpenAI too), experiment and pipeline."""
        from .demo import DemoError, seed_demo

        try:
            result = seed_demo(app)
        except DemoError as error:
            raise click.ClickException(str(error)) from None
        if result.created:
            click.echo(f"Demo data created. Sign in as {result.username} / {result.password}")
        else:
            click.echo(f"Demo data already present (team “{result.team_name}”); nothing changed.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--team", "team_name", required=True, help="Team name (created if new).")
    @click.password_option()
    def create_user_command(username, team_name, password):
        """Create a user in a team."""
        if db.session.execute(db.select(User).filter_by(username=username)).scalar():
            raise click.ClickException(f"User “{username}” already exists.")
        team = db.session.execute(db.select(Team).filter_by(name=team_name)).scalar()
        if team is None:
            team = Team(name=team_name)
            db.session.add(team)
        user = User(username=username, team=team)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Created {username} in team “{team_name}”.")
