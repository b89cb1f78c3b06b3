"""Election.register_version: a counter PostgreSQL moves on every statement that adds, changes or
removes the election's commissions or stations, whatever wrote them (the register import, the
official import, set-up pages, the admin). Results computed from the register and stored
(tallies' CommissionFigures, CoalitionPool) compare it to know they are stale.

Statement-level triggers with transition tables: one UPDATE of the election per statement, also
for a COPY of 95,000 stations. A save of an Election read earlier cannot move the counter back.
"""

from django.db import migrations, models

FUNCTIONS = """
CREATE FUNCTION elections_commissions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE elections_election e SET register_version = e.register_version + 1
  WHERE e.id IN (SELECT DISTINCT election_id FROM changed);
  RETURN NULL;
END $$;

CREATE FUNCTION elections_stations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE elections_election e SET register_version = e.register_version + 1
  WHERE e.id IN (
    SELECT DISTINCT c.election_id FROM changed s JOIN elections_commission c ON c.id = s.pec_id);
  RETURN NULL;
END $$;

CREATE FUNCTION elections_register_version_never_back() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.register_version := GREATEST(NEW.register_version, OLD.register_version);
  RETURN NEW;
END $$;

CREATE TRIGGER elections_election_register_version_never_back
  BEFORE UPDATE OF register_version ON elections_election
  FOR EACH ROW EXECUTE FUNCTION elections_register_version_never_back();
"""

TRIGGERS = [
    (table, event, reference, function)
    for table, function in (
        ("elections_commission", "elections_commissions_changed"),
        ("elections_pollingstation", "elections_stations_changed"),
    )
    for event, reference in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
]

CREATE_TRIGGERS = "\n".join(
    f"CREATE TRIGGER {table}_register_{event.lower()} AFTER {event} ON {table}"
    f" REFERENCING {reference} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    for table, event, reference, function in TRIGGERS
)

DROP = "\n".join(
    [f"DROP TRIGGER {table}_register_{event.lower()} ON {table};" for table, event, _, _ in TRIGGERS]
    + [
        "DROP TRIGGER elections_election_register_version_never_back ON elections_election;",
        "DROP FUNCTION elections_commissions_changed();",
        "DROP FUNCTION elections_stations_changed();",
        "DROP FUNCTION elections_register_version_never_back();",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0008_seat_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="election",
            name="register_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(FUNCTIONS + CREATE_TRIGGERS, DROP),
    ]
