"""Page-numbered lists: ``?page=`` and ``?page_size=`` (up to 200); a page past the end is a 404."""

from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
