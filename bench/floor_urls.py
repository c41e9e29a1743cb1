"""The benchmark's floor for a write: the app's URLs plus one view that only inserts a row.

Used by `bench/bench_web.py --floor` through bench/floor_settings.py, never by the app. The
view goes through the whole middleware stack (session, user, CSRF, page-cache stamps' check)
like the real add-item, then does the least a write to PostgreSQL can do: one INSERT in a
transaction. No ownership check, no form, no version lock, no re-score, no HTML. Its
throughput is an upper bound for any add-item on the same machine and stack.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from mgplanner.urls import handler500  # noqa: F401 - Django reads it from ROOT_URLCONF
from mgplanner.urls import urlpatterns as app_urlpatterns
from plans.models import MealItem


@login_required
@require_POST
def floor_add(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        MealItem.objects.create(
            meal_id=pk, food_id=int(request.POST[f"add-{pk}-food"]), grams=28.35, position=99
        )
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor-add/<int:pk>/", floor_add), *app_urlpatterns]
