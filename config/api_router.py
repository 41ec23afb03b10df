"""Every API viewset registers here, under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.actions.api import MilestoneViewSet, PlanViewSet
from apps.committees.api import CommitteeViewSet, DecisionViewSet, ReviewViewSet
from apps.feedback.api import FeedbackBulkView, FeedbackViewSet
from apps.incentives.api import IncentivePlanViewSet, ResultViewSet
from apps.metrics import api as metrics_api
from apps.organization.api import ChannelViewSet, DepartmentViewSet

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("channels", ChannelViewSet, basename="channel")
router.register("metrics", metrics_api.MetricViewSet, basename="metric")
router.register("links", metrics_api.LinkViewSet, basename="link")
router.register("targets", metrics_api.TargetViewSet, basename="target")
router.register("measurements", metrics_api.MeasurementViewSet, basename="measurement")
router.register("snapshots", metrics_api.SnapshotViewSet, basename="snapshot")
router.register("rollups", metrics_api.RollupViewSet, basename="rollup")
router.register("plans", PlanViewSet, basename="plan")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("committees", CommitteeViewSet, basename="committee")
router.register("reviews", ReviewViewSet, basename="review")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("incentive-plans", IncentivePlanViewSet, basename="incentive-plan")
router.register("incentive-results", ResultViewSet, basename="incentive-result")
router.register("feedback", FeedbackViewSet, basename="feedback")

app_name = "api"
urlpatterns = [
    # Before the router, so "bulk" is not read as a measurement id.
    path("measurements/bulk/", metrics_api.MeasurementBulkView.as_view(), name="measurement-bulk"),
    path("summary/", metrics_api.SummaryView.as_view(), name="summary"),
    path("feedback/bulk/", FeedbackBulkView.as_view(), name="feedback-bulk"),
    path("hierarchy/", metrics_api.HierarchyView.as_view(), name="hierarchy"),
    # Before the router, so "evidence" is not read as a link id.
    path("links/evidence/", metrics_api.LinkEvidenceView.as_view(), name="link-evidence"),
    *router.urls,
]
