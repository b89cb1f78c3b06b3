"""The bench server's URLs: the project's, plus the bare endpoint at /bench/hello/."""

from django.urls import include, path

from bench.views import hello

urlpatterns = [
    path("bench/hello/", hello, name="bench-hello"),
    path("", include("config.urls")),
]
