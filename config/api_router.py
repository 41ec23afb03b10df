"""Every API viewset registers here, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from apps.organization.api import ChannelViewSet, DepartmentViewSet

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("channels", ChannelViewSet, basename="channel")

app_name = "api"
urlpatterns = router.urls
