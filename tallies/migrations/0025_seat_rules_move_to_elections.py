# The seat rule and its change log now live in elections (elections 0008 took over the tables
# tallies_seatrule and tallies_seatrulechange): tallies forgets its models. No SQL runs.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0008_seat_rules"),
        ("tallies", "0024_seat_rule_old_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SeatRuleChange"),
                migrations.DeleteModel(name="SeatRule"),
            ],
        ),
    ]
