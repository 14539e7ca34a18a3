from app.core.errors import InvalidInput


class InvalidRecalculationPoint(InvalidInput):
    title, slug = "Invalid recalculation point", "invalid-recalculation-point"
