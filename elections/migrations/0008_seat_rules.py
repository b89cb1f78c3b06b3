# The seat rule and its change log move from tallies to elections (issue 16): a contest's rule is
# data of the election, and tallies reads it, not the reverse. The tables stay tallies_seatrule
# and tallies_seatrulechange with their rows: only Django's state moves. tallies 0024 dropped the
# change log's triggers named after tallies.SeatRuleChange; the same triggers are created here
# under the names pgtrigger gives elections.SeatRuleChange. tallies 0025 then forgets the models.

from decimal import Decimal

import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('elections', '0007_names_by_language'),
        ('tallies', '0024_seat_rule_old_triggers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SeatRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seats', models.PositiveSmallIntegerField()),
                        ('threshold_percent', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=5)),
                        ('threshold_base', models.CharField(choices=[('valid_votes', 'Valid votes'), ('voters_took_part', 'Voters who took part')], default='valid_votes', max_length=16)),
                        ('method', models.CharField(choices=[('hare_largest_remainder', 'Hare quota, largest remainder'), ('droop_largest_remainder', 'Droop quota, largest remainder'), ('dhondt', "D'Hondt"), ('sainte_lague', 'Sainte-Laguë')], default='hare_largest_remainder', max_length=24)),
                        ('next_party_if_single', models.BooleanField(default=False, help_text='If only one party passes, the next-largest takes part too.')),
                        ('source', models.CharField(blank=True, max_length=300, verbose_name='legal source')),
                        ('contest', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='seat_rule', to='elections.contest')),
                    ],
                    options={
                        'db_table': 'tallies_seatrule',
                    },
                ),
                migrations.CreateModel(
                    name='SeatRuleChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('via', models.CharField(help_text='How it was changed, e.g. manage.py set_seat_rule.', max_length=40)),
                        ('before', models.JSONField(blank=True, default=dict)),
                        ('after', models.JSONField(default=dict)),
                        ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('contest', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='seat_rule_changes', to='elections.contest')),
                    ],
                    options={
                        'db_table': 'tallies_seatrulechange',
                        'ordering': ['changed_at', 'id'],
                    },
                ),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='seatrulechange',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='1a84b1c65287e11363942f478331e769277daaa2', operation='UPDATE', pgid='pgtrigger_append_only_update_66885', table='tallies_seatrulechange', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='seatrulechange',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;", hash='52675f2805256281358c9a79d9a35c941d5a0d08', operation='DELETE', pgid='pgtrigger_append_only_delete_83e7a', table='tallies_seatrulechange', when='BEFORE')),
        ),
    ]
