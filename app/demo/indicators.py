"""The demo council's performance indicators: what they measure and the story their data tells.

Pure data, read by app.demo.seed. Figures are not stored here period by period: the demo covers
"the previous financial year and the current one up to today", so each measure describes its
targets, its trend, and how it stands in the last completed quarter (the intent), and app.demo.seed
derives every period's figure from that. The levels are realistic for an English district or
unitary council (the national returns they resemble are named in data_source).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from app.measures.vocabulary import (
    Aggregation,
    Frequency,
    Polarity,
    QualityFlag,
    Rag,
    ToleranceUnit,
    ValueType,
)

D = Decimal
DEFAULT_SWING = Decimal("0.06")
Band = tuple[Decimal, Decimal]
Level = Decimal | Band | None

# How the last completed quarter should rate: beat (better than target), green (short, but
# within the green tolerance), amber or red; None for a data-only measure.
Intent = Literal["beat", "green", "amber", "red"]
Trend = Literal["improving", "worsening", "steady"]
# What became of the indicator's most recent value: approved, or still in the workflow, or
# never received.
Latest = Literal["approved", "draft", "submitted", "rejected", "absent"]

PERCENT, ABSOLUTE = ToleranceUnit.PERCENT, ToleranceUnit.ABSOLUTE

# Share of the year's collection that is in by the end of each month (April first): council
# tax is mostly paid in ten instalments, April to January; business rates a little faster.
COUNCIL_TAX_PROFILE = tuple(
    D(x)
    for x in (
        "0.110",
        "0.205",
        "0.300",
        "0.395",
        "0.490",
        "0.585",
        "0.680",
        "0.775",
        "0.865",
        "0.955",
        "0.985",
        "1",
    )
)
BUSINESS_RATES_PROFILE = tuple(
    D(x)
    for x in (
        "0.120",
        "0.215",
        "0.305",
        "0.395",
        "0.485",
        "0.575",
        "0.665",
        "0.755",
        "0.845",
        "0.930",
        "0.970",
        "1",
    )
)
# Recycling peaks with garden waste in spring and summer.
RECYCLING_PROFILE = (D("1.06"), D("1.05"), D("0.94"), D("0.95"))
RESIDUAL_WASTE_PROFILE = (D("0.98"), D("1.00"), D("1.04"), D("0.98"))


@dataclass(frozen=True)
class DemoIndicator:
    code: str
    title: str
    org_unit: str
    value_type: ValueType
    decimal_places: int
    polarity: Polarity
    frequency: Frequency
    aggregation: Aggregation
    definition: str
    data_source: str
    unit: str | None = None
    # None: the council-wide default tolerance applies.
    tolerance: tuple[ToleranceUnit, Decimal, Decimal] | None = None
    amber_if_improving: bool = False
    is_key: bool = False
    is_public: bool = False
    is_national: bool = False
    # The target per value period for the previous and the current financial year (a band for
    # within_range; None: no target set). `profile` scales it period by period.
    targets: tuple[Level, Level] = (None, None)
    profile: tuple[Decimal, ...] | None = None
    floor: Decimal | None = None
    # A change to this year's target from the second quarter on, and why.
    revised_target: tuple[Decimal, str] | None = None
    intent: Intent | None = None
    trend: Trend = "steady"
    # How far (a share of target) the measure has moved over the two years.
    swing: Decimal = DEFAULT_SWING
    # For a target of zero, the movement in the indicator's own unit.
    swing_units: Decimal | None = None
    # The last two quarters equal, so the direction of travel is "no change".
    flat_latest: bool = False
    # Data-only measures: the level at the start of last year and now.
    start: Decimal | None = None
    end: Decimal | None = None
    # Ratio measures: the typical number of cases per period (the denominator).
    cases: int | None = None
    latest: Latest = "approved"
    # New this financial year: no data for last year.
    new: bool = False
    # Who enters the figures (a demo login's local part); None: the indicator's collector.
    enterer: str | None = None
    # Figures come in this many days after the period ends (late when past the due date).
    days_to_submit: int | None = None
    # What happened and what is being done, for the last completed quarter.
    commentary: str | None = None
    # Quality flags on the most recent figures.
    latest_flags: tuple[QualityFlag, ...] = ()
    # Why the performance team sent the most recent figure back (latest="rejected").
    rejection_reason: str | None = None

    @property
    def expected_rag(self) -> Rag:
        """How the last completed quarter rates once its data is due, when that quarter is in
        the current financial year (in the first months of a year the last completed quarter
        is last year's Q4, rated against last year's targets)."""
        if self.latest in {"submitted", "rejected", "absent"} and self.frequency in {
            Frequency.QUARTERLY,
            Frequency.ANNUAL,
        }:
            return Rag.MISSING
        if self.intent is None or self.targets[1] is None:
            return Rag.DATA_ONLY
        if self.intent in {"beat", "green"}:
            return Rag.GREEN
        if self.intent == "red" and self.amber_if_improving and self.trend == "improving":
            return Rag.AMBER
        return Rag.AMBER if self.intent == "amber" else Rag.RED


PCT, NUM, COUNT, TIME, MONEY = (
    ValueType.PERCENTAGE,
    ValueType.NUMBER,
    ValueType.COUNT,
    ValueType.TIME,
    ValueType.CURRENCY,
)
HIGHER, LOWER, RANGE, NONE = (
    Polarity.HIGHER_IS_BETTER,
    Polarity.LOWER_IS_BETTER,
    Polarity.WITHIN_RANGE,
    Polarity.NONE,
)
MONTHLY, QUARTERLY, ANNUAL = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL
SUM, MEAN, LATEST, RATIO = Aggregation.SUM, Aggregation.MEAN, Aggregation.LATEST, Aggregation.RATIO

INDICATORS: list[DemoIndicator] = [
    # Revenues and Benefits
    DemoIndicator(
        code="REV01",
        title="Council tax collected in year",
        org_unit="REV",
        value_type=PCT,
        unit="%",
        decimal_places=2,
        polarity=HIGHER,
        frequency=MONTHLY,
        aggregation=LATEST,
        definition=(
            "Council tax received in the financial year to date as a percentage of the net "
            "collectable debit for the year. Cumulative: each month's target follows the "
            "instalment profile."
        ),
        data_source="Revenues system month-end collection report (QRC4 basis)",
        tolerance=(ABSOLUTE, D("0.5"), D("1.0")),
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("97.00"), D("97.20")),
        profile=COUNCIL_TAX_PROFILE,
        intent="amber",
        commentary=(
            "Collection is 0.75 points behind profile: more residents have moved to 12 monthly "
            "instalments after the cost-of-living campaign, which pushes receipts later in the "
            "year. Reminder runs are on schedule; we expect to close the gap by February."
        ),
    ),
    DemoIndicator(
        code="REV02",
        title="Business rates collected in year",
        org_unit="REV",
        value_type=PCT,
        unit="%",
        decimal_places=2,
        polarity=HIGHER,
        frequency=MONTHLY,
        aggregation=LATEST,
        definition=(
            "Non-domestic rates received in the financial year to date as a percentage of the "
            "net collectable debit. Cumulative, against the monthly collection profile."
        ),
        data_source="Revenues system month-end collection report (QRC4 basis)",
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("98.00"), D("98.20")),
        profile=BUSINESS_RATES_PROFILE,
        intent="beat",
        trend="improving",
    ),
    DemoIndicator(
        code="REV03",
        title="Average days to process new Housing Benefit claims",
        org_unit="REV",
        value_type=TIME,
        unit="days",
        decimal_places=1,
        polarity=LOWER,
        frequency=MONTHLY,
        aggregation=MEAN,
        definition=(
            "Average calendar days from receipt of a new claim to the decision, for claims "
            "decided in the month (DWP Single Housing Benefit Extract definition)."
        ),
        data_source="Benefits system SHBE extract",
        tolerance=(PERCENT, D("10"), D("20")),
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("18.0"), D("17.0")),
        intent="red",
        latest="submitted",
        trend="worsening",
        swing=D("0.15"),
        commentary=(
            "Two assessor vacancies since July and a 14% rise in pensioner claims after the "
            "Pension Credit take-up campaign. Two agency assessors start next month and "
            "overtime is approved; we expect to be back on target by January."
        ),
    ),
    DemoIndicator(
        code="REV04",
        title="Average days to process Housing Benefit changes of circumstances",
        org_unit="REV",
        value_type=TIME,
        unit="days",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=MEAN,
        definition=(
            "Average calendar days from notification of a change of circumstances to the "
            "decision, for changes processed in the quarter."
        ),
        data_source="Benefits system SHBE extract",
        is_public=True,
        is_national=True,
        targets=(D("8.0"), D("7.0")),
        intent="beat",
        trend="improving",
        swing=D("0.20"),
    ),
    DemoIndicator(
        code="REV05",
        title="New Housing Benefit claims received",
        org_unit="REV",
        value_type=COUNT,
        decimal_places=0,
        polarity=NONE,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition=(
            "New claims received in the quarter. Context only: falling as working-age claimants "
            "move to Universal Credit."
        ),
        data_source="Benefits system workload report",
        start=D("636"),
        end=D("492"),
    ),
    DemoIndicator(
        code="REV06",
        title="Housing Benefit overpayments recovered",
        org_unit="REV",
        value_type=MONEY,
        unit="GBP",
        decimal_places=0,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition="Housing Benefit overpayment debt recovered in the quarter, in pounds.",
        data_source="Sundry debtors ledger, overpayment recovery codes",
        tolerance=(PERCENT, D("5"), D("15")),
        targets=(D("150000"), D("160000")),
        intent="green",
    ),
    # Housing Services
    DemoIndicator(
        code="HOU01",
        title="Rent collected as a percentage of rent due (year to date)",
        org_unit="HOU",
        value_type=PCT,
        unit="%",
        decimal_places=2,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=LATEST,
        definition=(
            "Rent and service charges collected from current and former tenants in the year to "
            "date, as a percentage of rent due, excluding arrears brought forward."
        ),
        data_source="Housing management system rent accounting reports",
        tolerance=(ABSOLUTE, D("0.5"), D("1.0")),
        is_key=True,
        is_public=True,
        targets=(D("98.50"), D("98.75")),
        intent="green",
        enterer="head",
    ),
    DemoIndicator(
        code="HOU02",
        title="Average re-let time for standard empty homes",
        org_unit="HOU",
        value_type=TIME,
        unit="days",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=MEAN,
        definition=(
            "Average calendar days from the end of a tenancy to the start of the next, for "
            "general needs homes let in the quarter, excluding major works voids."
        ),
        data_source="Housing management system void tracker",
        tolerance=(PERCENT, D("10"), D("20")),
        is_key=True,
        is_public=True,
        targets=(D("30.0"), D("28.0")),
        intent="amber",
        trend="improving",
        swing=D("0.25"),
        commentary=(
            "Down from 36 days a year ago. The new void contractor is clearing the backlog of "
            "homes needing damp works; letting is now within two days of works completing."
        ),
    ),
    DemoIndicator(
        code="HOU03",
        title="Rent lost through empty homes",
        org_unit="HOU",
        value_type=PCT,
        unit="%",
        decimal_places=2,
        polarity=RANGE,
        frequency=QUARTERLY,
        aggregation=MEAN,
        definition=(
            "Rent lost on empty homes as a percentage of the rent roll. The budget assumes "
            "0.5% to 1.0%: below the band suggests homes are re-let without the works they "
            "need, above it is lost income."
        ),
        data_source="Housing management system rent accounting reports",
        targets=((D("0.50"), D("1.00")), (D("0.50"), D("1.00"))),
        intent="amber",
        trend="worsening",
        swing=D("0.40"),
        commentary=(
            "Six homes at Elmfield Court are empty for fire-safety works until December; "
            "without them the loss would be 0.93%."
        ),
    ),
    DemoIndicator(
        code="HOU04",
        title="Emergency repairs completed within 24 hours",
        org_unit="HOU",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Emergency responsive repairs completed within 24 hours of being reported, as a "
            "percentage of emergency repairs completed in the quarter (Tenant Satisfaction "
            "Measure RP02)."
        ),
        data_source="Repairs contractor job completions feed",
        tolerance=(ABSOLUTE, D("1.0"), D("3.0")),
        is_public=True,
        is_national=True,
        targets=(D("98.0"), D("98.0")),
        intent="green",
        cases=1260,
    ),
    DemoIndicator(
        code="HOU05",
        title="Non-emergency repairs completed within target timescale",
        org_unit="HOU",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Routine and urgent repairs completed within the timescale in the repairs policy, "
            "as a percentage of those completed in the quarter (Tenant Satisfaction Measure RP02)."
        ),
        data_source="Repairs contractor job completions feed",
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("90.0"), D("90.0")),
        intent="red",
        trend="worsening",
        swing=D("0.10"),
        cases=4950,
        commentary=(
            "A backlog of 1,140 routine jobs built up while the contractor prioritised damp and "
            "mould cases after the Awaab's Law deadlines came in. A second contractor starts on "
            "routine work next month; recovery plan with the Housing Board in December."
        ),
    ),
    DemoIndicator(
        code="HOU06",
        title="Council homes meeting the Decent Homes Standard",
        org_unit="HOU",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=ANNUAL,
        aggregation=LATEST,
        definition="Council homes meeting the Decent Homes Standard at 31 March.",
        data_source="Stock condition database (LAHS return)",
        is_public=True,
        is_national=True,
        targets=(D("96.0"), D("97.5")),
        intent="beat",
        trend="improving",
    ),
    DemoIndicator(
        code="HOU07",
        title="Tenants satisfied with the overall service from their landlord",
        org_unit="HOU",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=ANNUAL,
        aggregation=MEAN,
        definition="Tenant Satisfaction Measure TP01, from the annual perception survey.",
        data_source="Annual tenant perception survey",
        tolerance=(ABSOLUTE, D("2.0"), D("5.0")),
        is_public=True,
        is_national=True,
        targets=(D("72.0"), D("75.0")),
        intent="amber",
        trend="improving",
    ),
    DemoIndicator(
        code="HOU08",
        title="Homes with a valid gas safety certificate",
        org_unit="HOU",
        value_type=PCT,
        unit="%",
        decimal_places=2,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=LATEST,
        definition=(
            "Council homes with a gas supply that have a landlord gas safety record less than "
            "12 months old at quarter end (Tenant Satisfaction Measure BS01). The floor is the "
            "level at which the Regulator expects to be told."
        ),
        data_source="Compliance database",
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("100.00"), D("100.00")),
        floor=D("99.50"),
        intent="amber",
        commentary=(
            "Seven homes out of certificate, all no-access cases now with legal for injunctions."
        ),
    ),
    DemoIndicator(
        code="HOU09",
        title="Affordable homes delivered",
        org_unit="HOU",
        value_type=COUNT,
        decimal_places=0,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition=(
            "Affordable homes (social rent, affordable rent and shared ownership) completed in "
            "the quarter, by the council and registered providers."
        ),
        data_source="Housing enabling team completions log",
        tolerance=(PERCENT, D("10"), D("25")),
        amber_if_improving=True,
        is_key=True,
        is_public=True,
        targets=(D("35"), D("40")),
        intent="red",
        trend="improving",
        swing=D("0.30"),
        commentary=(
            "Two schemes (48 homes) slipped into Q3 after contractor insolvency; both are now "
            "back on site. Better than the same quarter last year."
        ),
    ),
    # Housing Options Team
    DemoIndicator(
        code="OPT01",
        title="Households in temporary accommodation",
        org_unit="HOU-OPT",
        value_type=COUNT,
        decimal_places=0,
        polarity=LOWER,
        frequency=MONTHLY,
        aggregation=LATEST,
        definition="Households in temporary accommodation on the last night of the month.",
        data_source="Housing options case management system (H-CLIC)",
        tolerance=(PERCENT, D("5"), D("15")),
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("110"), D("120")),
        revised_target=(
            D("135"),
            "Revised by the Homelessness Reduction Board: approaches are up 18% on last year "
            "and two private-sector leasing schemes ended.",
        ),
        intent="red",
        latest="draft",
        trend="worsening",
        swing=D("0.20"),
        commentary=(
            "Demand keeps rising (section 21 evictions up 30%). Twelve new leased homes come on "
            "stream in November; the prevention fund has been doubled."
        ),
    ),
    DemoIndicator(
        code="OPT02",
        title="Families in bed and breakfast for more than six weeks",
        org_unit="HOU-OPT",
        value_type=COUNT,
        decimal_places=0,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=LATEST,
        definition=(
            "Households with children or a pregnant member in B&B accommodation for more than "
            "six weeks at quarter end. The law allows none."
        ),
        data_source="Housing options case management system (H-CLIC)",
        tolerance=(ABSOLUTE, D("0"), D("2")),
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("0"), D("0")),
        intent="beat",
        trend="improving",
        swing_units=D("4"),
        flat_latest=True,
    ),
    DemoIndicator(
        code="OPT03",
        title="Prevention cases ending with accommodation secured for six months",
        org_unit="HOU-OPT",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Prevention duty cases that ended in the quarter with accommodation secured for at "
            "least six months, as a percentage of prevention duty cases ended."
        ),
        data_source="Housing options case management system (H-CLIC)",
        is_public=True,
        is_national=True,
        targets=(D("60.0"), D("62.0")),
        intent="beat",
        trend="improving",
        swing=D("0.10"),
        cases=95,
    ),
    DemoIndicator(
        code="OPT04",
        title="Homelessness decisions made within 56 days",
        org_unit="HOU-OPT",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Main duty (section 184) decisions made within 56 days of the relief duty "
            "starting, as a percentage of decisions made in the quarter."
        ),
        data_source="Housing options case management system (H-CLIC)",
        targets=(D("90.0"), D("90.0")),
        intent="amber",
        cases=114,
        commentary=(
            "Two caseworkers on long-term sick leave; cases reallocated and a locum starts on "
            "the 1st."
        ),
    ),
    DemoIndicator(
        code="OPT05",
        title="Households approaching the council for housing help",
        org_unit="HOU-OPT",
        value_type=COUNT,
        decimal_places=0,
        polarity=NONE,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition="New approaches for housing advice and homelessness assistance in the quarter.",
        data_source="Housing options case management system",
        start=D("438"),
        end=D("546"),
    ),
    DemoIndicator(
        code="OPT06",
        title="Average length of stay in temporary accommodation",
        org_unit="HOU-OPT",
        value_type=NUM,
        unit="weeks",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=MEAN,
        definition=(
            "Average weeks in temporary accommodation for households who left it in the "
            "quarter. New this year, from the Temporary Accommodation Strategy."
        ),
        data_source="Housing options case management system",
        targets=(None, D("30.0")),
        intent="green",
        trend="improving",
        new=True,
    ),
    # Adult Social Care
    DemoIndicator(
        code="ASC01",
        title="Permanent admissions to care homes, aged 65 and over, per 100,000",
        org_unit="ASC",
        value_type=NUM,
        unit="per 100,000",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition=(
            "Council-supported permanent admissions to residential and nursing care of people "
            "aged 65 and over in the quarter, per 100,000 population aged 65 and over (ASCOF "
            "2A). The year's figure is the sum of its quarters."
        ),
        data_source="Social care case management system; ONS mid-year population estimates",
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("150.0"), D("140.0")),
        intent="beat",
        trend="improving",
    ),
    DemoIndicator(
        code="ASC02",
        title="Permanent admissions to care homes, aged 18 to 64, per 100,000",
        org_unit="ASC",
        value_type=NUM,
        unit="per 100,000",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition=(
            "Council-supported permanent admissions to residential and nursing care of people "
            "aged 18 to 64 in the quarter, per 100,000 population aged 18 to 64 (ASCOF 2A)."
        ),
        data_source="Social care case management system; ONS mid-year population estimates",
        tolerance=(ABSOLUTE, D("0.5"), D("1.5")),
        is_national=True,
        targets=(D("4.0"), D("3.5")),
        intent="amber",
        trend="worsening",
        swing=D("0.20"),
        commentary="Three admissions of young adults with complex needs transitioning from "
        "children's services; supported living options are being commissioned.",
    ),
    DemoIndicator(
        code="ASC03",
        title="Long-term service users reviewed in the last 12 months",
        org_unit="ASC",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=MONTHLY,
        aggregation=LATEST,
        definition=(
            "People receiving long-term support for 12 months or more who had a review in the "
            "last 12 months, at month end (rolling)."
        ),
        data_source="Social care case management system",
        is_key=True,
        targets=(D("80.0"), D("85.0")),
        intent="red",
        trend="improving",
        swing=D("0.12"),
        commentary=(
            "Up from 63% a year ago. The dedicated review team is fully staffed since "
            "September and is clearing the oldest reviews first."
        ),
    ),
    DemoIndicator(
        code="ASC04",
        title="Carers assessed or reviewed",
        org_unit="ASC",
        value_type=COUNT,
        decimal_places=0,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition="Carers' assessments and reviews completed in the quarter.",
        data_source="Carers' centre contract return",
        targets=(D("240"), D("250")),
        intent="green",
        latest="absent",
    ),
    DemoIndicator(
        code="ASC05",
        title="Delayed discharges attributable to social care",
        org_unit="ASC",
        value_type=NUM,
        unit="beds per day",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=MEAN,
        definition=(
            "Average number of acute beds a day occupied by people medically fit for discharge "
            "and waiting for social care."
        ),
        data_source="NHS acute trust discharge sitrep (arrives after the due date)",
        tolerance=(ABSOLUTE, D("0.5"), D("1.5")),
        is_public=True,
        targets=(D("4.0"), D("3.0")),
        intent="green",
        days_to_submit=17,
        latest_flags=(QualityFlag.PROVISIONAL,),
    ),
    DemoIndicator(
        code="ASC06",
        title="Older people at home 91 days after discharge into reablement",
        org_unit="ASC",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "People aged 65 and over discharged from hospital into reablement who were still "
            "at home 91 days later (ASCOF 2B)."
        ),
        data_source="Social care case management system; NHS discharge data",
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("82.0"), D("83.0")),
        intent="amber",
        cases=60,
        latest="rejected",
        rejection_reason=(
            "The extract counts people discharged in the last fortnight of the quarter, whose "
            "91 days have not yet run. Please re-run it for discharges up to 91 days before "
            "the quarter end."
        ),
    ),
    DemoIndicator(
        code="ASC07",
        title="Safeguarding enquiries where the risk was reduced or removed",
        org_unit="ASC",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Concluded section 42 enquiries where a risk was identified and it was reduced or "
            "removed (Safeguarding Adults Collection)."
        ),
        data_source="Social care case management system",
        is_national=True,
        targets=(D("90.0"), D("90.0")),
        intent="green",
        cases=110,
    ),
    DemoIndicator(
        code="ASC08",
        title="Adults receiving long-term support",
        org_unit="ASC",
        value_type=COUNT,
        decimal_places=0,
        polarity=NONE,
        frequency=QUARTERLY,
        aggregation=LATEST,
        definition="People receiving long-term support from the council at quarter end.",
        data_source="Social care case management system",
        start=D("1842"),
        end=D("1917"),
    ),
    DemoIndicator(
        code="ASC09",
        title="Adults with a learning disability in paid employment",
        org_unit="ASC",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=ANNUAL,
        aggregation=LATEST,
        definition="ASCOF 1E: working-age adults with a learning disability in paid employment.",
        data_source="Short and Long Term Support (SALT) return",
        is_public=True,
        is_national=True,
        targets=(D("5.5"), D("6.0")),
        intent="red",
    ),
    DemoIndicator(
        code="ASC10",
        title="Adults receiving direct payments",
        org_unit="ASC",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=LATEST,
        definition=(
            "People receiving community-based long-term support who get it as a direct "
            "payment, at quarter end (ASCOF 1C(2A))."
        ),
        data_source="Social care case management system",
        is_national=True,
        targets=(D("27.0"), D("28.0")),
        intent="green",
        latest="submitted",
    ),
    # Waste and Recycling
    DemoIndicator(
        code="WST01",
        title="Household waste sent for reuse, recycling and composting",
        org_unit="WST",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=MEAN,
        definition=(
            "Household waste sent for reuse, recycling or composting as a percentage of "
            "household waste collected (former NI 192). Seasonal: garden waste lifts spring "
            "and summer."
        ),
        data_source="WasteDataFlow quarterly return",
        tolerance=(ABSOLUTE, D("2.0"), D("5.0")),
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("50.0"), D("52.0")),
        profile=RECYCLING_PROFILE,
        intent="amber",
        trend="worsening",
        swing=D("0.03"),
        commentary=(
            "A dry summer cut garden waste tonnage by 11%; dry recycling is on target. Food "
            "waste collections start in April, worth about 6 points."
        ),
    ),
    DemoIndicator(
        code="WST02",
        title="Residual household waste per household",
        org_unit="WST",
        value_type=NUM,
        unit="kg",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition=(
            "Kilograms of household waste not reused, recycled or composted, per household, in "
            "the quarter (former NI 191). The year's figure is the sum of its quarters."
        ),
        data_source="WasteDataFlow quarterly return",
        is_public=True,
        is_national=True,
        targets=(D("118.0"), D("115.0")),
        profile=RESIDUAL_WASTE_PROFILE,
        intent="beat",
        trend="improving",
        latest_flags=(QualityFlag.ESTIMATED,),
    ),
    DemoIndicator(
        code="WST03",
        title="Missed bin collections per 100,000 collections",
        org_unit="WST",
        value_type=NUM,
        decimal_places=1,
        polarity=LOWER,
        frequency=MONTHLY,
        aggregation=MEAN,
        definition="Reported missed collections (all streams) per 100,000 scheduled collections.",
        data_source="In-cab system and CRM missed-bin reports",
        tolerance=(PERCENT, D("10"), D("20")),
        is_key=True,
        is_public=True,
        targets=(D("60.0"), D("50.0")),
        intent="red",
        trend="worsening",
        swing=D("0.20"),
        commentary=(
            "The new round structure from July moved 40% of households to a new collection "
            "day; misses are falling week on week (71 in the last week of the quarter) as "
            "crews learn the rounds."
        ),
    ),
    DemoIndicator(
        code="WST04",
        title="Fly-tipping incidents cleared within two working days",
        org_unit="WST",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Fly-tipping incidents on public land cleared within two working days of being "
            "reported, as a percentage of incidents cleared in the quarter."
        ),
        data_source="Street scene job management system",
        is_public=True,
        targets=(D("95.0"), D("95.0")),
        intent="green",
        cases=540,
    ),
    DemoIndicator(
        code="WST05",
        title="Fly-tipping incidents reported",
        org_unit="WST",
        value_type=COUNT,
        decimal_places=0,
        polarity=NONE,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition="Fly-tipping incidents on public land reported in the quarter (Flycapture).",
        data_source="Street scene job management system (Flycapture return)",
        is_national=True,
        start=D("615"),
        end=D("528"),
    ),
    DemoIndicator(
        code="WST06",
        title="Contamination in dry recycling",
        org_unit="WST",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=MEAN,
        definition=(
            "Rejected material as a percentage of dry recycling delivered to the materials "
            "recovery facility, by the MRF's sampling."
        ),
        data_source="MRF contractor sampling report",
        tolerance=(ABSOLUTE, D("1.0"), D("3.0")),
        targets=(D("12.0"), D("10.0")),
        intent="amber",
        trend="improving",
        swing=D("0.15"),
        flat_latest=True,
    ),
    DemoIndicator(
        code="WST07",
        title="Garden waste service subscriptions",
        org_unit="WST",
        value_type=COUNT,
        decimal_places=0,
        polarity=HIGHER,
        frequency=ANNUAL,
        aggregation=LATEST,
        definition="Households subscribed to the chargeable garden waste service at 31 March.",
        data_source="Garden waste subscription system",
        tolerance=(PERCENT, D("2"), D("5")),
        is_public=True,
        targets=(D("27000"), D("28500")),
        intent="green",
        trend="improving",
    ),
    # Planning and Building Control
    DemoIndicator(
        code="PLN01",
        title="Major planning applications decided within 13 weeks or agreed time",
        org_unit="PLN",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Major applications decided within 13 weeks (16 with an environmental statement) "
            "or an agreed extension. The floor is the government's designation threshold."
        ),
        data_source="Planning system PS1/PS2 returns",
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("75.0"), D("75.0")),
        floor=D("60.0"),
        intent="beat",
        trend="improving",
        swing=D("0.10"),
        cases=9,
    ),
    DemoIndicator(
        code="PLN02",
        title="Minor planning applications decided within 8 weeks or agreed time",
        org_unit="PLN",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Minor applications decided within 8 weeks or an agreed extension. The floor is "
            "the government's designation threshold."
        ),
        data_source="Planning system PS1/PS2 returns",
        is_key=True,
        is_public=True,
        is_national=True,
        targets=(D("80.0"), D("80.0")),
        floor=D("70.0"),
        intent="amber",
        cases=72,
        commentary="Two planning officer posts vacant since August; agency cover from October.",
    ),
    DemoIndicator(
        code="PLN03",
        title="Other planning applications decided within 8 weeks or agreed time",
        org_unit="PLN",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition=(
            "Householder and other applications decided within 8 weeks or an agreed extension."
        ),
        data_source="Planning system PS1/PS2 returns",
        is_public=True,
        is_national=True,
        targets=(D("90.0"), D("90.0")),
        floor=D("80.0"),
        intent="red",
        trend="worsening",
        swing=D("0.08"),
        cases=210,
        commentary=(
            "Validation backlog after the move to the new back-office system in July (380 "
            "applications at peak, 120 now). Extensions of time are being agreed with agents."
        ),
    ),
    DemoIndicator(
        code="PLN04",
        title="Planning appeals allowed",
        org_unit="PLN",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition="Appeals against refusal allowed by the Planning Inspectorate, as a "
        "percentage of appeals decided in the quarter.",
        data_source="Planning Inspectorate appeal decisions",
        tolerance=(ABSOLUTE, D("5.0"), D("10.0")),
        is_national=True,
        targets=(D("30.0"), D("30.0")),
        intent="beat",
        cases=12,
    ),
    DemoIndicator(
        code="PLN05",
        title="Planning applications received",
        org_unit="PLN",
        value_type=COUNT,
        decimal_places=0,
        polarity=NONE,
        frequency=QUARTERLY,
        aggregation=SUM,
        definition="Valid and invalid planning applications received in the quarter.",
        data_source="Planning system",
        start=D("412"),
        end=D("384"),
    ),
    DemoIndicator(
        code="PLN06",
        title="Building regulations full plans checked within five weeks",
        org_unit="PLN",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition="Full plans applications given a decision or first response within five "
        "weeks of deposit.",
        data_source="Building control system",
        targets=(D("90.0"), D("92.0")),
        intent="green",
        trend="improving",
        cases=126,
    ),
    DemoIndicator(
        code="PLN07",
        title="Five-year housing land supply",
        org_unit="PLN",
        value_type=NUM,
        unit="years",
        decimal_places=2,
        polarity=HIGHER,
        frequency=ANNUAL,
        aggregation=LATEST,
        definition="Deliverable housing land against the local housing need figure, in years, "
        "at 1 April.",
        data_source="Annual housing land supply statement",
        is_public=True,
        targets=(D("5.00"), D("5.00")),
        intent="red",
        trend="worsening",
        swing=D("0.15"),
    ),
    # Council-wide
    DemoIndicator(
        code="CORP01",
        title="Working days lost to sickness absence per FTE",
        org_unit="DBC",
        value_type=NUM,
        unit="days",
        decimal_places=2,
        polarity=LOWER,
        frequency=QUARTERLY,
        aggregation=LATEST,
        definition="Working days lost to sickness absence per full-time equivalent employee "
        "over the last 12 months (rolling, so annualised).",
        data_source="HR and payroll system",
        tolerance=(PERCENT, D("5"), D("10")),
        is_key=True,
        is_public=True,
        targets=(D("9.00"), D("8.50")),
        intent="amber",
        trend="improving",
        commentary="Long-term absence (musculoskeletal) in waste crews is half the total; "
        "occupational health now sees new cases within five days.",
    ),
    DemoIndicator(
        code="CORP02",
        title="FOI and EIR requests answered within 20 working days",
        org_unit="DBC",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition="Freedom of Information and Environmental Information requests answered "
        "within 20 working days, as a percentage of those due in the quarter.",
        data_source="Information governance case system",
        is_public=True,
        targets=(D("90.0"), D("90.0")),
        intent="beat",
        cases=285,
    ),
    DemoIndicator(
        code="CORP03",
        title="Stage 1 complaints answered within 10 working days",
        org_unit="DBC",
        value_type=PCT,
        unit="%",
        decimal_places=1,
        polarity=HIGHER,
        frequency=QUARTERLY,
        aggregation=RATIO,
        definition="Stage 1 complaints answered within 10 working days. No target this year "
        "while the complaints policy is aligned with the Ombudsman's new code.",
        data_source="Complaints case system",
        targets=(D("95.0"), None),
        intent="green",
        cases=240,
    ),
]
