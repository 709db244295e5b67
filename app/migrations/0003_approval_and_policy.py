"""Who approved a certificate's documents and when (21 CFR 11.50), and plant-wide policies."""
from peewee import CharField, DateTimeField, Model, TextField


def up(migrator, db):
    class Policy(Model):
        key = CharField(max_length=64, primary_key=True)
        value = TextField()

        class Meta:
            database = db
            table_name = "policy"

    db.create_tables([Policy])
    migrator.migrate(
        migrator.add_column("certificate", "approved_by", CharField(max_length=64, null=True)),
        migrator.add_column("certificate", "approved_at", DateTimeField(null=True)),
    )
