"""``/static/<name>``: the portal's stylesheet, its small script and the utility's brand colour."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import HERE

from heatportal import composition

router = Router()


@router.get("/static/<name>")
def static(name: str) -> Response[str]:
    if name == "brand.css":
        color = composition.profile().branding.primary_color
        return Response(200, "text/css", f":root{{--brand:{color};}}\n", {"Cache-Control": "max-age=3600"})
    content_type = STATIC_FILES.get(name)
    if content_type is None:
        return Response(404, "text/plain", "not found")
    return Response(
        200, content_type, (HERE / "static" / name).read_text(encoding="utf-8"), {"Cache-Control": "max-age=3600"}
    )


STATIC_FILES = {"portal.css": "text/css", "portal.js": "text/javascript"}
