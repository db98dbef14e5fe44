"""The portal's own pages: the portfolio dashboard and its downloads."""

from django.urls import path

from .. import views
from ..views.dashboard import portfolio_download

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    # The vendor list of the dashboard with the same query string (filters and sort) as the page.
    path("portfolio.csv", portfolio_download, {"fmt": "csv"}, name="portfolio_csv"),
    path("portfolio.xlsx", portfolio_download, {"fmt": "xlsx"}, name="portfolio_xlsx"),
]
