from django.db import migrations

from advisory.lib.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("briefs", "0002_workflow_and_revisions")]

    operations = [append_only("briefs_briefrevision")]
