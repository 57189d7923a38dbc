"""The create-user command."""

from kirab.auth.models import User
from kirab.auth.services import authenticate
from kirab.database import db


def find(email: str) -> User | None:
    """The user with this email."""
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


def test_create_user_generates_and_prints_a_password(runner):
    result = runner.invoke(args=["create-user", "org@kirab.example", "--role", "organizer",
                                 "--region", "32.16", "--region", "32.75"])  # fmt: skip
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    user = find("org@kirab.example")
    assert user.region_codes == ["32.16", "32.75"]
    assert authenticate("org@kirab.example", password) == user


def test_create_user_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=["create-user", "rep@kirab.example", "--role", "party_rep", "--party", "5",
              "--region", "32", "--password-stdin"],
        input="rahasia-sekali-123\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "rahasia-sekali-123" not in result.output
    assert authenticate("rep@kirab.example", "rahasia-sekali-123").party_number == 5


def test_an_existing_email_is_an_error(runner):
    runner.invoke(args=["create-user", "obs@kirab.example", "--role", "observer"])
    result = runner.invoke(args=["create-user", "OBS@kirab.example", "--role", "observer"])
    assert result.exit_code == 1
    assert "sudah terdaftar" in result.output


def test_rules_apply_to_the_command_too(runner):
    no_region = runner.invoke(args=["create-user", "o@kirab.example", "--role", "organizer"])
    assert no_region.exit_code == 1 and find("o@kirab.example") is None
    bad_role = runner.invoke(args=["create-user", "o@kirab.example", "--role", "king"])
    assert bad_role.exit_code == 2
    short = runner.invoke(args=["create-user", "o@kirab.example", "--role", "observer",
                                "--password-stdin"], input="short\n")  # fmt: skip
    assert short.exit_code == 1 and find("o@kirab.example") is None
