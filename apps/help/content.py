"""The text that explains the portal's numbers: one entry per figure, grouped in areas.

This is the single source of three things: the help pages (`/help/<area>/`, in the
user's language through this app's catalogue), the short definitions beside every
figure's column header and card (`{% define "key" %}`), and `docs/numbers.md`, which is
written from it in English (`manage.py help_docs`; a test keeps the file in step).

Text in backticks is a formula or a value and renders as code. Keep each `short` to one
sentence: it is what a popover shows.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    key: str  # the anchor on the help page and the name {% define %} takes
    area: str  # the help page it is explained on
    title: str
    short: str  # one sentence, shown on hover and focus
    rule: str  # how it is computed
    example: str  # a small worked example
    not_meaning: str  # what it does not mean


@dataclass(frozen=True)
class Step:
    key: str  # the anchor on /help/start/
    title: str
    text: str
    url_name: str  # the page where the step is done
    help: str  # the help page ("area" or "area#figure") that explains what it feeds


@dataclass(frozen=True)
class Area:
    key: str  # /help/<key>/
    title: str
    intro: str


INTRO = _(
    "Every figure is computed per metric, period and scope. Periods are calendar months, "
    "quarters and years in the installation's time zone; a scope is the whole organisation, "
    "one department or one channel. The roll-up job computes the figures from the "
    "measurements after every load or edit and stores them unrounded; pages show them "
    'rounded and decide status on the unrounded values. "No data" or "—" means the '
    "figure does not exist for that period and scope, which is never the same as 0."
)

AREAS = [
    Area(
        "start",
        _("Getting started"),
        _(
            "An installation starts empty. The CX leader sets it up in six steps, in this "
            "order, because each one uses the one before: the departments and channels that "
            "measurements name, the metrics and the links that make the hierarchy, the "
            "targets that give scores and gaps, the measurements themselves, and the people "
            "who own metrics and plans. The overview shows these steps until the hierarchy has "
            "its first link."
        ),
    ),
    Area(
        "overview",
        _("Executive overview"),
        _(
            "The home page puts money first: the cost of not improving for the chosen period "
            "and scope, how it moved month by month, the metrics with the most money at "
            "stake, the metrics that turned red, and the status of the metrics at each level "
            "(operational, experience, financial). Every figure is read from the snapshots the "
            "roll-up computed; nothing is recomputed on the page."
        ),
    ),
    Area(
        "hierarchy",
        _("Metric hierarchy"),
        _(
            "The hierarchy runs from the money tops (revenue, churned revenue) down to the "
            "operational KPIs that drive them. Each row is one path from a metric up to a "
            "money top, so a metric that drives two tops appears under both. Expand a row to "
            "see its drivers; switch the period (month, quarter, year) and the scope "
            "(organisation, a department, a channel) above the table."
        ),
    ),
    Area(
        "metric",
        _("Metric detail"),
        _(
            "A metric's page shows its trend with the table of its numbers, its figures by "
            "department and by channel, how its value at stake is computed (its paths to "
            "money and the gap month by month), its links, targets, plans and history."
        ),
    ),
    Area(
        "plans",
        _("Action plans"),
        _(
            "An action plan states the change it expects in one or more metrics. The portal "
            "turns that change into money with the metric's money weight, splits it into the "
            "part that closes today's gap and the part beyond target, and ranks the plans by "
            "return on their cost."
        ),
    ),
    Area(
        "incentives",
        _("Incentives"),
        _(
            "A bonus plan's components are CX metrics with a threshold, a target and a "
            "maximum. Each component pays a percentage of its weight from the metric's "
            "actual; the percentages combine into the plan's attainment and a participant's "
            "CX bonus."
        ),
    ),
    Area(
        "feedback",
        _("Customer feedback"),
        _(
            "Feedback items (survey answers, complaints, reviews) arrive through the API or an "
            "upload, are routed at once to the departments their topic and keywords name, and "
            "each routed department acknowledges them within the service level. Topics are "
            "counted week by week so that a sudden rise is flagged; the closed-loop figures "
            "become ordinary measurements that the hierarchy and bonus plans read."
        ),
    ),
    Area(
        "measurements",
        _("Measurements"),
        _(
            "Every number starts as a measurement: one value of one metric for one date, "
            "optionally for a department and a channel, from a source, with a sample size. "
            "Load them through the upload page (a CSV file with the columns metric, "
            "period_start, department, channel, source, value, sample_size — download the "
            "template below) or the API. A batch is all or nothing: one bad row refuses the "
            "whole file and the report names every bad row and why. After a load the roll-up "
            "recomputes the periods it touched."
        ),
    ),
]

FIGURES = [
    Figure(
        "actual",
        "hierarchy",
        _("Actual"),
        _("The metric's value in the period and scope, aggregated from the measurements that scope uses."),
        _(
            "Rows used: explicit totals win over breakdowns, so nothing is counted twice (a "
            "department's row with no channel wins over its rows per channel; the "
            "organisation's own total wins over the departments'); where two sources recorded "
            "the same cell the latest one wins. The rows are then combined by the metric's "
            "aggregation: `mean` weighted by sample size, `sum`, `min`, `max`, or `last` (each "
            "department and channel's latest value in the period, averaged by sample size)."
        ),
        _(
            "Average handle time (a `mean`) in March: Customer Service recorded 300 s over 400 "
            "calls and Contact Centre 360 s over 100 calls, with no organisation total. The "
            "organisation's actual is `(300 × 400 + 360 × 100) / 500 = 312 s`."
        ),
        _(
            'No rows means no actual ("no data"), never 0. A department\'s actual does not '
            "include its sub-departments, which are departments of their own. A quarterly "
            "metric has no monthly actual."
        ),
    ),
    Figure(
        "target",
        "hierarchy",
        _("Target and baseline"),
        _(
            "The target is the value the metric should reach in the period; the baseline, "
            "when set, is the starting point that scores 0."
        ),
        _(
            "The target set for the scope and valid at the end of the period applies, else "
            "(departments and channels) the organisation's. For `sum` metrics targets are "
            "stated per month: a quarter's target is the sum of its months' targets, there is "
            "no fallback to the organisation, and in the period that contains today the target "
            "and baseline are pro-rated by the share of the period's days up to the latest "
            "data."
        ),
        _(
            "Revenue has a monthly target of 1,000,000 EUR. The first quarter's target is "
            "3,000,000 EUR. On 10 March, with daily data up to 10 March, March's target is "
            "`1,000,000 × 10 / 31 = 322,581 EUR`."
        ),
        _(
            "A target is not a forecast. A department shown with the organisation's target "
            "has none of its own (for `sum` metrics it then has no target at all). A baseline "
            "equal to or better than the target is refused."
        ),
    ),
    Figure(
        "own_score",
        "hierarchy",
        _("Own score"),
        _("How far the metric's own actual has come toward its target, from 0 to 150 (100 = on target)."),
        _(
            "With a baseline: `100 × (actual − baseline) / (target − baseline)`. Without one: "
            "`100 × actual / target` when higher is better, `100 × target / actual` when lower "
            "is better (150 when the actual is 0 or less). The result is clamped to 0–150; "
            "without an actual or a target there is no score."
        ),
        _(
            "Customer satisfaction: target 85, baseline 75, actual 82 gives "
            "`100 × (82 − 75) / (85 − 75) = 70`. Average handle time (lower is better): "
            "target 300 s, actual 320 s, no baseline gives `100 × 300 / 320 = 93.75`."
        ),
        _(
            "With a baseline it is not the percentage of the target reached (82 is 96 % of 85, "
            'but the score is 70). 150 is a cap, not "50 % better".'
        ),
    ),
    Figure(
        "driven_score",
        "hierarchy",
        _("Driven score"),
        _("The weighted average of the scores of the metrics that drive this one (its children)."),
        _(
            "`Σ weight × score / Σ weight` over the children that have a score — a child's own "
            "score, else its own driven score — computed from the operational KPIs upwards. "
            'A metric is shown with "driven" when it has no own score and its status comes '
            "from its drivers."
        ),
        _(
            "Customer satisfaction is driven by first-contact resolution (weight 2, score 80) "
            "and handle time (weight 1, score 93.75): `(2 × 80 + 1 × 93.75) / 3 = 84.6`."
        ),
        _(
            "It is not the metric's own result: a metric can be on target while its drivers "
            "lag, and the other way round. Children without a score are left out, not counted "
            "as 0."
        ),
    ),
    Figure(
        "status",
        "hierarchy",
        _("Status"),
        _("Green on target, amber close to it, red below the amber threshold, grey without a score."),
        _(
            "From the own score, else the driven score: green at 100 or more; amber at the "
            "target's amber threshold (default 90) or more; red below; grey with no score. It "
            "is decided on the unrounded score."
        ),
        _(
            "A score of 93.75 with the default threshold is amber; 70 is red; 99.996, shown "
            "rounded as 100.0, is still amber."
        ),
        _(
            'Grey means no data or no target, not "fine". A metric that is red only through '
            "its drivers is shown red but its owner is not notified; owners hear when the own "
            "score turns red in an open period."
        ),
    ),
    Figure(
        "gap",
        "metric",
        _("Gap"),
        _("How much the actual must move to reach the target, in the metric's own units."),
        _(
            "`target − actual` (signed) when the own score is below 100; 0 when it is 100 or "
            "more; none without an own score."
        ),
        _(
            "Handle time target 300 s, actual 320 s: the gap is `300 − 320 = −20 s` (it must "
            "fall by 20 s). Satisfaction target 85, actual 82: the gap is `+3` points."
        ),
        _(
            "A gap of 0 does not mean the actual equals the target: beating the target earns "
            "no credit. Gaps of different scopes never offset each other."
        ),
    ),
    Figure(
        "path_impact",
        "hierarchy",
        _("Path impact"),
        _("How much a money top (or any metric above) moves per +1 unit of this metric, over every path."),
        _(
            "Each link states an impact: the change of the parent, in its units, per +1 unit "
            "of the child (per month when the parent is a `sum`). The path impact is the sum, "
            "over all paths from the metric up to the other, of the product of the impacts "
            "along each path; a metric's path impact on itself is 1."
        ),
        _(
            "First-contact resolution → satisfaction has impact 0.4 (points per point) and "
            "satisfaction → revenue 2,000 EUR a month per point, so one path gives "
            "`0.4 × 2,000 = 800`. If resolution also drives NPS (0.3) and NPS drives revenue "
            "(500), the path impact is `800 + 0.3 × 500 = 950 EUR` a month per point."
        ),
        _(
            "It is the stated model, not a measured effect: the driver evidence shows how well "
            "the data support each link's impact."
        ),
    ),
    Figure(
        "money_weight",
        "hierarchy",
        _("Money weight"),
        _("Money per month gained (or loss avoided) per +1 unit of the metric, over all money tops."),
        _(
            "The money tops are the monetary metrics with no monetary metric above them "
            "(revenue, churned revenue: flows per month). `mw = Σ dir(T) × PI(metric → T)` over "
            "the tops T, with dir +1 for a top where higher is better and −1 where lower is "
            "better, so gains and avoided losses add up instead of cancelling."
        ),
        _(
            "Handle time → satisfaction −0.05 per second; satisfaction → revenue +2,000 and "
            "→ churned revenue −1,500. PI to revenue is `−0.05 × 2,000 = −100`, to churned "
            "revenue `−0.05 × −1,500 = 75`; `mw = (+1)(−100) + (−1)(75) = −175`: every extra "
            "second of handle time costs 175 EUR a month."
        ),
        _(
            'A metric with no path to a money top is "not linked to money": it has no value '
            "at stake, which is not the same as a value at stake of 0."
        ),
    ),
    Figure(
        "value_at_stake",
        "metric",
        _("Value at stake"),
        _("The money the metric's gap costs in the period, through the hierarchy up to the money tops."),
        _(
            "For an operational KPI (a metric with no drivers), per month: "
            "`gap × money weight × share`, summed over the months of a quarter or year. The "
            "share is 1 for the organisation; for a department or channel of a `mean` metric "
            "it is the scope's sample size over the sum of all departments' (or channels'), "
            "for a `sum` metric 1; `last`, `min` and `max` KPIs have value at stake for the "
            "organisation only. A metric above the KPIs carries the money that flows through "
            "it: `Σ gap × share × PI(KPI → metric) × mw(metric)` over the KPIs beneath it. In "
            "the month that contains today only the days up to the latest data count."
        ),
        _(
            "Handle time's gap is −20 s and its money weight −175: in that month "
            "`−20 × −175 = 3,500 EUR`. Over a quarter whose months give 3,500, 0 and 2,100 it "
            "is 5,600 EUR. Customer Service handled 400 of the 500 calls (share 0.8) with its "
            "own gap of −25 s: `−25 × −175 × 0.8 = 3,500 EUR`."
        ),
        _(
            "It is the model's estimate, not money booked in the accounts. A quarter can be on "
            "target and still carry value at stake from a month that missed. The departments' "
            "values need not add up to the organisation's (see the reconciliation)."
        ),
    ),
    Figure(
        "value_at_stake_path",
        "hierarchy",
        _("Value at stake toward a top"),
        _("The part of the value at stake that reaches one money top along the path this row stands for."),
        _(
            "A hierarchy row is a path π from the metric up to a money top T. It shows "
            "`Σ gap × share × PI(KPI → metric) × Π(impacts along π) × dir(T)` over the KPIs "
            "beneath the metric. The top's own row is its value at stake; the rows beneath any "
            "row add up to it exactly, and a metric's rows under every top add up to its "
            "value at stake."
        ),
        _(
            "Handle time's 3,500 EUR splits along its two paths: toward revenue "
            "`−20 × −100 × (+1) = 2,000 EUR`, toward churned revenue `−20 × 75 × (−1) = 1,500 "
            "EUR`; together 3,500 EUR."
        ),
        _(
            "A row is not the metric's whole value at stake when the metric appears under "
            "several tops or several paths: add its rows."
        ),
    ),
    Figure(
        "cost_of_not_improving",
        "overview",
        _("Cost of not improving"),
        _("The organisation's total value at stake in the period: what the current gaps cost."),
        _(
            "The sum of the operational KPIs' value at stake at organisation scope, which is "
            "also the sum of the money tops' value at stake. The trend shows it month by "
            "month."
        ),
        _(
            "Handle time carries 3,500 EUR and first-contact resolution 4,000 EUR, and no other "
            "KPI has a gap: the cost of not improving is 7,500 EUR."
        ),
        _(
            "It is not a loss in the accounts, and metrics that beat their targets do not "
            "reduce it (their gap is 0). A department scope shows that department's share, "
            "which need not add up across departments."
        ),
    ),
    Figure(
        "reconciliation",
        "metric",
        _("Reconciliation of a breakdown"),
        _("Why the departments' (or channels') value at stake does not add up to the organisation's."),
        _(
            "Beside a breakdown the page shows its sum, the organisation's value and the "
            "difference, split into netting (scopes on target have gap 0 and do not offset "
            "scopes below it), target differences (departments whose target differs from the "
            "organisation's) and the rest (organisation totals, rows outside any department)."
        ),
        _(
            "The organisation misses by 2 s while Customer Service misses by 25 s and Website "
            "beats the target: the departments' sum is larger than the organisation's value, "
            "and the difference is shown as netting."
        ),
        _("Nothing is netted silently: a difference is a property of the data, not an error."),
    ),
    Figure(
        "channel_consistency",
        "metric",
        _("Channel consistency"),
        _("How alike the metric is across channels, from 0 to 100 (100 = identical everywhere)."),
        _(
            "Over the channels with an actual (at least two): "
            "`100 × (1 − (max − min) / |mean|)`, clamped to 0–100, with the plain (unweighted) "
            "mean of the channel actuals; when the mean is 0, 100 if all are equal, else 0."
        ),
        _(
            "Satisfaction by phone 80, web 70, app 75: mean 75, spread 10, consistency "
            "`100 × (1 − 10 / 75) = 86.7`."
        ),
        _(
            "High consistency is not good performance: channels equally bad score 100. It is "
            "not weighted by each channel's volume."
        ),
    ),
    Figure(
        "expected_benefit",
        "plans",
        _("Expected benefit, within the gap and beyond"),
        _("The money a plan's expected changes are worth per year, and how much of it closes today's gap."),
        _(
            "`12 × Σ expected change × money weight` over the plan's expected impacts. With g "
            "the metric's organisation gap in its last closed period and Δ the expected "
            "change, the part that closes the gap is `c = sign(Δ) × min(|Δ|, |g|)` when Δ and "
            "g have the same sign, else 0; within the gap = `12 × Σ c × mw`; beyond = benefit − "
            "within. Without an own score the split is not shown."
        ),
        _(
            "A plan expects handle time to fall by 10 s (money weight −175): "
            "`12 × −10 × −175 = 21,000 EUR` a year. The gap is −6 s, so within the gap is "
            "`12 × −6 × −175 = 12,600 EUR` and beyond target 8,400 EUR."
        ),
        _(
            "It is the plan's own estimate priced by the model, not a promise. Benefit beyond "
            "target extrapolates the model past the target. Several plans on one metric may "
            "together expect more than its gap; the ranking says so."
        ),
    ),
    Figure(
        "roi",
        "plans",
        _("Return on investment (ROI)"),
        _("The expected yearly benefit minus the plan's cost, divided by its cost."),
        _(
            "`ROI = (benefit − cost) / cost`; none when the cost is 0 or missing. The ranking "
            "sorts by ROI, highest first, with quick wins (effort S and ROI ≥ 1) at the top "
            "and plans without an ROI last; done and cancelled plans are not ranked."
        ),
        _(
            "Benefit 21,000 EUR a year, cost 7,000 EUR: `(21,000 − 7,000) / 7,000 = 2.0`, a "
            "quick win if its effort is S."
        ),
        _("It is one year's benefit against the whole cost, not a discounted cash flow."),
    ),
    Figure(
        "payout",
        "incentives",
        _("Payout"),
        _("The percentage of a bonus component earned by the metric's actual."),
        _(
            "Each component has a threshold, a target and a maximum (in the metric's units, "
            "in the metric's direction). Below the threshold 0 %; at the threshold the "
            "threshold % (default 50); linear to the target % (100) at the target, then to the "
            "maximum % (150) at the maximum, capped there. Attainment = "
            "`Σ weight × payout / Σ weight`; a participant's CX bonus = target bonus × CX "
            "share / 100 × attainment / 100, pro-rated by the days they were in the plan."
        ),
        _(
            "NPS threshold 30, target 40, maximum 50; actual 44 pays "
            "`100 + (44 − 40) / (50 − 40) × 50 = 120 %`. With a second component at 80 % and "
            "weights 2 and 1, attainment is `(2 × 120 + 80) / 3 = 106.7 %`; a 10,000 EUR target "
            "bonus with a 30 % CX share gives `10,000 × 0.30 × 1.067 = 3,200 EUR`."
        ),
        _(
            "A component without an actual pays 0 % and is flagged, not skipped. Results stay "
            "provisional until the plan closes, when they are frozen."
        ),
    ),
    Figure(
        "driver_evidence",
        "metric",
        _("Driver evidence"),
        _("How well the organisation's own monthly data support each link's stated impact."),
        _(
            "For a metric and its drivers, over the closed months: departments pooled with "
            "each department's mean removed (fixed effects), or the organisation's months when "
            "there are too few department cells; ordinary least squares without intercept; a "
            "95 % interval from Student's t. A link is supported when its stated impact lies "
            "inside the interval, inconclusive when the interval also contains 0, opposite "
            "when the whole interval lies on the other side of 0, contradicted otherwise; "
            '"not enough data", "cannot separate" (drivers that do not move, or move '
            'together) and "not monthly" say why there is no estimate.'
        ),
        _(
            "First-contact resolution → satisfaction states 0.4; the estimate is 0.35 with "
            "interval 0.22 to 0.48: supported. An interval of −0.05 to 0.6 would be "
            "inconclusive."
        ),
        _("It is an association in past data, not proof of cause."),
    ),
    Figure(
        "link_weight",
        "hierarchy",
        _("Link weight"),
        _("How much a driver counts in its parent's driven score, relative to the parent's other drivers."),
        _(
            "A parent's driven score is the weighted mean of its drivers' scores, each "
            "weighted by its link's weight (a driver's score is its own score, else its driven "
            "score); drivers without a score are left out of both sums. The weight plays no "
            "part in money."
        ),
        _(
            "Satisfaction has two drivers: first-contact resolution (weight 2, score 90) and "
            "handle time (weight 1, score 60). Its driven score is "
            "`(2 × 90 + 1 × 60) / 3 = 80`."
        ),
        _("It is not a share of money and not a measured effect: it is a choice of emphasis."),
    ),
    Figure(
        "link_impact",
        "hierarchy",
        _("Link impact"),
        _("The change in the parent, in its unit, for one unit of change in the driver."),
        _(
            "Stated on each link by the CX leader (and checked against the data by the driver "
            "evidence). Multiplied along a path it gives the path impact, and with the money "
            "top's value the money weight of every metric below it."
        ),
        _(
            "First-contact resolution → satisfaction with impact 0.4: one point more of "
            "resolution is expected to bring 0.4 points of satisfaction."
        ),
        _("It is an assumption until the driver evidence supports it; it is not a forecast."),
    ),
    Figure(
        "progress",
        "plans",
        _("Progress"),
        _("The share of a plan's milestones done, weighted by each milestone's weight."),
        _(
            "`100 × (weight of the milestones done) / (weight of all milestones)`; a plan "
            "without milestones has no progress. A progress update's own percentage is the "
            "author's estimate and is shown as such, beside this figure."
        ),
        _("Milestones of weight 1, 1 and 2, the first two done: progress `100 × 2 / 4 = 50 %`."),
        _(
            "It does not say whether the metric moved: that is the plan's expected impact "
            "against the actuals."
        ),
    ),
    Figure(
        "attainment",
        "incentives",
        _("Attainment"),
        _("The weighted mean of a bonus plan's component payouts, as a percentage of target."),
        _(
            "Each component pays a percentage read off its curve from the metric's actual "
            "(threshold, target, maximum, straight lines between them); attainment is the mean "
            "of these percentages weighted by the components' weights."
        ),
        _(
            "Two components of weight 60 and 40 paying 120 % and 50 %: attainment "
            "`(60 × 120 + 40 × 50) / 100 = 92 %`."
        ),
        _(
            "It is not the bonus itself: the bonus also depends on the target bonus, the CX "
            "share and the days in the plan."
        ),
    ),
    Figure(
        "ack_due",
        "feedback",
        _("Acknowledge by"),
        _("The time by which a routed department must acknowledge a feedback item."),
        _(
            "The time the item was routed to the department plus the service level "
            "(`FEEDBACK_ACK_HOURS`, 48 hours unless the installation sets another). An "
            "acknowledgement after it counts as late in the share acknowledged within the "
            "service level; an item not acknowledged by then is overdue and goes into the "
            "daily reminder."
        ),
        _("Routed on Monday at 10:00 with a service level of 48 hours: acknowledge by Wednesday at 10:00."),
        _("Acknowledging is not closing the loop: the item is closed when the customer has had an answer."),
    ),
    Figure(
        "spike",
        "feedback",
        _("Topic spike"),
        _("A week in which a topic had far more feedback than usual."),
        _(
            "Weeks run Monday to Sunday in the installation's time zone. A complete week is a "
            "spike when its count of items on the topic is more than twice the mean of the 8 "
            "weeks before it and at least 5; the CX leader and the topic's departments are told."
        ),
        _(
            "Billing had 3, 4, 2, 5, 3, 4, 3 and 4 items in eight weeks (mean 3.5); 9 items the "
            "next week is a spike (9 > 7 and 9 ≥ 5), 7 items is not."
        ),
        _("It says the topic is loud this week, not that customers are less satisfied."),
    ),
]

STEPS = [
    Step(
        "departments",
        _("Create the departments"),
        _(
            "Each department that owns metrics, records measurements or runs action plans, "
            "with a short code (CS, WEB): files and the API name departments by code."
        ),
        "organization:department-list",
        "start",
    ),
    Step(
        "channels",
        _("Create the channels"),
        _(
            "Phone, in person, web, app, e-mail, social: a measurement may name one, and the "
            "metric page compares them (channel consistency)."
        ),
        "organization:channel-list",
        "metric#channel_consistency",
    ),
    Step(
        "hierarchy",
        _("Define the metric hierarchy"),
        _(
            "Create the metrics — operational KPIs, experience outcomes and the money tops "
            "(revenue, churned revenue, measured as sums per month) — then link each driver to "
            "what it drives, with a weight for the score and an impact for the money."
        ),
        "metrics:metric-list",
        "hierarchy#path_impact",
    ),
    Step(
        "targets",
        _("Set targets"),
        _(
            "On each metric's page, a target for the organisation (and, where they differ, for "
            "departments), with a baseline where the starting point matters. Without a target "
            "a metric has no score, no gap and no value at stake."
        ),
        "metrics:metric-list",
        "hierarchy#target",
    ),
    Step(
        "measurements",
        _("Load measurements"),
        _(
            "Upload a CSV file made from the template (or connect a system through the API "
            "with a system account's token). The roll-up then computes every figure."
        ),
        "metrics:upload",
        "measurements",
    ),
    Step(
        "people",
        _("Invite people"),
        _(
            "Add the department heads, executives and contributors with their roles; they sign "
            'in with their e-mail and set a password with "Forgotten your password?" on the sign-in page.'
        ),
        "organization:person-list",
        "start",
    ),
]

FIGURES_BY_KEY = {f.key: f for f in FIGURES}
AREAS_BY_KEY = {a.key: a for a in AREAS}


def figures_of(area_key: str) -> list[Figure]:
    return [f for f in FIGURES if f.area == area_key]
