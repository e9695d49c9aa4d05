from django import template

from klynge.insights.kpis import format_kpi

register = template.Library()


@register.simple_tag
def kpi_number(value, unit=""):
    """A KPI's value with its unit, localised (84.000 DKK per employee, 7,4%)."""
    return format_kpi(value, unit)
