from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from foods.models import Food
from mgplanner.rendering import render_page


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    foods = Food.objects.visible_to(request.user)
    if query:
        foods = foods.filter(description__icontains=query)
    return render_page(
        request, "foods/search.html", {"query": query, "foods": foods[:50]}, block="results"
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    food = Food.objects.visible_to(request.user).filter(pk=pk).first()
    if food is None:
        raise Http404("No such food.")
    return render_page(request, "foods/detail.html", {"food": food})
