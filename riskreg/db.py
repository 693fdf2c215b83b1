"""Query expressions shared by the apps' selectors."""

from django.db.models import IntegerField, Subquery


class SubqueryCount(Subquery):
    """COUNT(*) of a correlated subquery, e.g. a form's points. Counting through joins
    instead (forms × points × ratings, then DISTINCT) multiplies the rows, and PostgreSQL,
    misjudging how many forms a permission filter keeps, joins every point of the database
    first: 300 forms took 170–370 ms that way, a few ms this way."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()
