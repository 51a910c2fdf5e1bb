from django.db import migrations

from advisory.lib.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]

    operations = [append_only("workflow_auditevent")]
