"""Canonical device models: every iPhone product type since the 6s against the EXIF Model its camera writes,
and the top Android brands' getprop spellings against their EXIF spellings."""

from __future__ import annotations

import pytest

from extractor.artifacts.common.photo_records import models_match
from extractor.device_models import apple_product_types, canonical_model, same_model

# ProductType → EXIF Model as the iPhone's camera writes it (written from Apple's published model list,
# independently of the table the code uses).
IPHONE_EXIF_MODELS = {
    "iPhone8,1": "iPhone 6s",
    "iPhone8,2": "iPhone 6s Plus",
    "iPhone8,4": "iPhone SE",
    "iPhone9,1": "iPhone 7",
    "iPhone9,2": "iPhone 7 Plus",
    "iPhone9,3": "iPhone 7",
    "iPhone9,4": "iPhone 7 Plus",
    "iPhone10,1": "iPhone 8",
    "iPhone10,2": "iPhone 8 Plus",
    "iPhone10,3": "iPhone X",
    "iPhone10,4": "iPhone 8",
    "iPhone10,5": "iPhone 8 Plus",
    "iPhone10,6": "iPhone X",
    "iPhone11,2": "iPhone XS",
    "iPhone11,4": "iPhone XS Max",
    "iPhone11,6": "iPhone XS Max",
    "iPhone11,8": "iPhone XR",
    "iPhone12,1": "iPhone 11",
    "iPhone12,3": "iPhone 11 Pro",
    "iPhone12,5": "iPhone 11 Pro Max",
    "iPhone12,8": "iPhone SE (2nd generation)",
    "iPhone13,1": "iPhone 12 mini",
    "iPhone13,2": "iPhone 12",
    "iPhone13,3": "iPhone 12 Pro",
    "iPhone13,4": "iPhone 12 Pro Max",
    "iPhone14,2": "iPhone 13 Pro",
    "iPhone14,3": "iPhone 13 Pro Max",
    "iPhone14,4": "iPhone 13 mini",
    "iPhone14,5": "iPhone 13",
    "iPhone14,6": "iPhone SE (3rd generation)",
    "iPhone14,7": "iPhone 14",
    "iPhone14,8": "iPhone 14 Plus",
    "iPhone15,2": "iPhone 14 Pro",
    "iPhone15,3": "iPhone 14 Pro Max",
    "iPhone15,4": "iPhone 15",
    "iPhone15,5": "iPhone 15 Plus",
    "iPhone16,1": "iPhone 15 Pro",
    "iPhone16,2": "iPhone 15 Pro Max",
    "iPhone17,1": "iPhone 16 Pro",
    "iPhone17,2": "iPhone 16 Pro Max",
    "iPhone17,3": "iPhone 16",
    "iPhone17,4": "iPhone 16 Plus",
    "iPhone17,5": "iPhone 16e",
}


@pytest.mark.parametrize(("product_type", "exif_model"), sorted(IPHONE_EXIF_MODELS.items()))
def test_every_iphone_since_the_6s_owns_its_photos(product_type: str, exif_model: str) -> None:
    assert models_match("Apple", exif_model, "Apple", product_type)
    # the display name pymobiledevice3 gives (with its "(GSM)"/"(Global)" suffix) is the same model too
    assert canonical_model("Apple", product_type) == canonical_model("Apple", exif_model)


def test_the_kept_table_covers_every_iphone_listed() -> None:
    assert set(IPHONE_EXIF_MODELS) <= set(apple_product_types())


@pytest.mark.parametrize(
    ("product_type", "other_exif_model"),
    [
        ("iPhone10,4", "iPhone 8 Plus"),
        ("iPhone10,4", "iPhone X"),
        ("iPhone12,8", "iPhone SE"),  # 2nd generation SE is not the first
        ("iPhone8,4", "iPhone SE (2nd generation)"),
        ("iPhone14,2", "iPhone 13"),
        ("iPhone13,1", "iPhone 12"),
    ],
)
def test_a_neighbouring_iphone_is_another_device(product_type: str, other_exif_model: str) -> None:
    assert not models_match("Apple", other_exif_model, "Apple", product_type)


# (ro.product.manufacturer, ro.product.brand, ro.product.model) → (EXIF Make, EXIF Model) as phones write them
ANDROID_SPELLINGS = [
    (("samsung", "samsung", "SM-A525F"), ("samsung", "SM-A525F")),
    (("samsung", "samsung", "SM-G991B"), ("SAMSUNG", "SM-G991B")),
    (("Xiaomi", "Redmi", "Redmi Note 8 Pro"), ("Xiaomi", "Redmi Note 8 Pro")),
    (("Xiaomi", "Redmi", "Redmi Note 9S"), ("Redmi", "Redmi Note 9S")),
    (("Xiaomi", "POCO", "POCO X3 NFC"), ("POCO", "POCO X3 NFC")),
    (("Xiaomi", "Xiaomi", "Mi 9T"), ("Xiaomi", "Mi 9T")),
    (("HUAWEI", "HUAWEI", "ELE-L29"), ("HUAWEI", "ELE-L29")),
    (("HUAWEI", "HUAWEI", "P30"), ("HUAWEI", "HUAWEI P30")),
    (("Google", "google", "Pixel 4a"), ("Google", "Pixel 4a")),
    (("Google", "google", "Pixel 7"), ("google", "pixel 7")),
    (("OnePlus", "OnePlus", "IN2013"), ("OnePlus", "IN2013")),
    (("OPPO", "OPPO", "CPH2205"), ("OPPO", "CPH2205")),
    (("motorola", "motorola", "moto g(8) power"), ("motorola", "moto g(8) power")),
    (("TECNO MOBILE LIMITED", "TECNO", "TECNO KF6"), ("TECNO", "TECNO KF6")),
]


@pytest.mark.parametrize(("props", "exif"), ANDROID_SPELLINGS)
def test_top_android_brands_own_their_photos(props: tuple[str, str, str], exif: tuple[str, str]) -> None:
    manufacturer, brand, model = props
    assert models_match(exif[0], exif[1], manufacturer, model)
    assert models_match(exif[0], exif[1], brand, model)


def test_other_android_models_and_makes_are_another_device() -> None:
    assert not models_match("samsung", "SM-A525F", "samsung", "SM-A526B")
    assert not models_match("HUAWEI", "ELE-L29", "samsung", "SM-A525F")
    assert not models_match("Google", "Pixel 7", "Google", "Pixel 7a")
    assert not models_match("Xiaomi", "Redmi Note 8", "Xiaomi", "Redmi Note 8 Pro")
    assert not models_match("Apple", "iPhone 13 Pro", "samsung", "iPhone 13 Pro")


def test_unknown_models_never_match() -> None:
    assert not same_model("Apple", "", "Apple", "iPhone10,4")
    assert not same_model("", "", "", "")
