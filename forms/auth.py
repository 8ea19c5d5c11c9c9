"""Login and registration forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

MIN_PASSWORD_LENGTH = 10


class LoginForm(FlaskForm):
    email = EmailField("E-Mail", validators=[DataRequired("Bitte geben Sie Ihre E-Mail an.")])
    password = PasswordField(
        "Passwort", validators=[DataRequired("Bitte geben Sie Ihr Passwort an.")]
    )


class RegistrationForm(FlaskForm):
    organisation = StringField(
        "Firma oder Kanzlei",
        validators=[DataRequired("Bitte geben Sie Ihre Firma oder Kanzlei an."), Length(max=200)],
    )
    name = StringField("Ihr Name", validators=[Length(max=200)])
    email = EmailField(
        "E-Mail",
        validators=[
            DataRequired("Bitte geben Sie Ihre E-Mail an."),
            Email("Bitte geben Sie eine gültige E-Mail-Adresse an.", check_deliverability=False),
        ],
    )
    password = PasswordField(
        "Passwort",
        validators=[
            DataRequired("Bitte wählen Sie ein Passwort."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.",
            ),
        ],
    )
    password_repeat = PasswordField(
        "Passwort wiederholen",
        validators=[EqualTo("password", "Die Passwörter stimmen nicht überein.")],
    )


class EmptyForm(FlaskForm):
    """A form without fields: carries the CSRF token of POST-only action buttons."""
