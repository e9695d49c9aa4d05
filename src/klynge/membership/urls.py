from django.urls import path

from klynge.membership.views import applications, invoices, memberships, tiers

app_name = "membership"
urlpatterns = [
    path("apply/", applications.apply, name="apply"),
    path("apply/thanks/", applications.applied, name="applied"),
    path("applications/", applications.application_list, name="applications"),
    path("applications/<int:pk>/", applications.application_detail, name="application"),
    path("applications/<int:pk>/approve/", applications.application_approve, name="approve"),
    path("applications/<int:pk>/reject/", applications.application_reject, name="reject"),
    path("tiers/", tiers.tier_list, name="tiers"),
    path("tiers/new/", tiers.tier_create, name="tier_create"),
    path("tiers/<int:pk>/", tiers.tier_edit, name="tier_edit"),
    path("memberships/", memberships.membership_list, name="memberships"),
    path("memberships/<int:pk>/end/", memberships.membership_end, name="membership_end"),
    path("mine/", memberships.my_membership, name="mine"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/export.csv", invoices.invoice_export, name="invoice_export"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf_view, name="invoice_pdf"),
    path("invoices/<int:pk>/mark-paid/", invoices.invoice_mark_paid, name="invoice_mark_paid"),
    path("invoices/<int:pk>/credit/", invoices.invoice_credit, name="invoice_credit"),
]
