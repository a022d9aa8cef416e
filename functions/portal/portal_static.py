"""``/static/<name>``: the portal's stylesheet and the utility's brand colour."""

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
    if name != "portal.css":
        return Response(404, "text/plain", "not found")
    return Response(
        200, "text/css", (HERE / "static" / "portal.css").read_text(encoding="utf-8"), {"Cache-Control": "max-age=3600"}
    )
