"""Constants shared by the observers tests."""

# An organisation's application to the platform, as the sign-up form posts it.
APPLICATION = {
    "name": "Free Vote",
    "kind": "ngo",
    "contact_email": "office@freevote.example",
    "contact_phone": "+7 701 000 00 00",
    "charter_clause": "3.2. The organisation observes elections and referendums.",
    "username": "vera",
    "password1": "a-long-passphrase-9",
    "password2": "a-long-passphrase-9",
}
