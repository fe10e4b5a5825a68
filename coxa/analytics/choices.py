"""What an analyst can choose, by name: columns to filter and group by, bands, plot formats.

No libraries, so that the analytics commands can describe their arguments, and say that the
analytics extra is missing, without numpy (``extra``). ``cohort`` applies these choices.
"""

NOT_RECORDED = "not recorded"

# Age bands as registries commonly report them (under 55, 55-64, 65-74, 75 and over); a
# reporting convention, not a clinical threshold.
AGE_BAND_EDGES = (55, 65, 75)
AGE_BANDS = ("under 55", "55 to 64", "65 to 74", "75 and over")
# Head size: the TGA's BHR alert (clinical-facts 6.4 [H]) contrasts heads of 48 mm or less
# with 50 mm or more; heads come in 2 mm steps, so the edge is 50 mm.
HEAD_BAND_EDGE_MM = 50.0
HEAD_BANDS = ("under 50 mm", "50 mm or more")

CATEGORIES = ("procedure", "sex", "diagnosis", "surgeon", "unit")
BANDS = ("age_band", "head_band")
GROUPABLE = (*CATEGORIES, *BANDS)
# Each column's name as a person reads it, on the page and in the report.
LABELS = {
    "procedure": "Procedure",
    "sex": "Sex",
    "diagnosis": "Diagnosis",
    "surgeon": "Surgeon",
    "unit": "Unit",
    "age_band": "Age at operation",
    "head_band": "Head size",
}

# The plots' file formats (``plots``).
FORMATS = ("svg", "png")
