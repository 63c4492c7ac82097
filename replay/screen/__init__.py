"""screen: what the picture shows → a VisualTrack of timed, SKU-keyed events.

visual (the stage: sampling, change detection, scene cuts, per-frame sharpness), ocr (rapidocr with a
picture cache), match (OCR text and catalog pictures → SKUs).
"""
