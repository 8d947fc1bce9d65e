"""Normalisation of place names into index keys: the exact key and the spelling-family fold.

**Exact key** (``normalise_name``): the name decomposed (NFKD), without diacritics, case-folded, with
the Turkish dotless ı and a few letters that do not decompose (ø, ł, đ, æ, œ, ß) mapped to ASCII, and
with every character that is not a letter or digit removed (spaces, hyphens, apostrophes, dots). So
"Kapıkule", "Kapikule" and "KAPI-KULE" share the key "kapikule"; "A'zaz" and "Azaz" share "azaz";
"Μυτιλήνη" becomes "μυτιληνη"; "حلب" keeps its Arabic letters without vowel marks, and the Persian,
Pashto and Urdu code points of the letters kaf, yeh and heh are the Arabic ones ("کندهار" = "كندهار").

**Fold** (``fold_name``): a deliberately lossy key under which the usual ways of writing one name
meet, used to find candidates and to score them below an exact match. Steps:

1. Transliterate to ASCII with ``anyascii`` (Greek, Cyrillic, Turkish letters; "Συκαμινέα" →
   "sykaminea"). Names in an abjad (Arabic, Persian, Hebrew script) get no fold: without their
   vowels they meet too many unrelated names; their exact keys still match.
2. Split into words at anything that is not a letter (hyphens, spaces, dots; apostrophes and the
   ʿayn/hamza marks are dropped inside a word, so "A'zaz" is one word).
3. Drop Arabic articles ("al-", "el-", "as-", "ash-", "ad-", …), other articles ("de", "la", "the",
   …) and qualifiers ("Bad", "Sankt", "St.", "Skala", "Nea", "Ano", "Kato", the South Slavic "Velika",
   "Mali", "Gornji", "Donji" (great, small, upper, lower), "camp", "city", "island", …) as long as
   another word remains: "Bad Bentheim" and "Bentheim" meet, "Skala Sykamineas" meets "Sykaminea",
   "Velika Kladuša" meets "Kladusa". A Persian ezafe ("e", "ye", "i", "yi") between two words is dropped
   too, as writers often leave it out: "Torbat-e Jām" meets "Torbat Jam".
4. Fold each word's transliteration families: kh/ch/q/c/ck → k, gh → g, ph → f, th → t, dh → d,
   sh/sch → s, zh/dj/dzh → j, w → v, x → ks, y → i; an h after a consonant or at the end of a word is
   dropped (Raqqah/Raqqa, Hamah/Hama); doubled letters are single.
5. Every run of vowels becomes one "a" — Arabic and Persian romanisations differ mostly in their
   vowels (Herat/Harat, Idlib/Edlib, Mosul/Mousul), and so do i/ee/y and ou/u/oo.
6. The words are joined without spaces, so compounds and hyphenations meet ("Kara Tepe" /
   "Karatepe"), and an ending that only inflects (Greek -s, -as, -os, -oi, Dutch -e) is dropped from
   a fold of five or more letters: "Sykamineas" and "Sykaminea", "Athina", "Athene" and "Athen" meet.
7. The last consonant of the fold is devoiced (d → t, b → p, g → k, z → s): at the end of a word
   Turkish, Dutch, German and Slavic spellings write what is heard, and Arabic romanisations differ
   there too ("Irbid" / "Irbit", "Halab" / "Halep", "Azaz" / "Azas", "-abad" / "-abat"). Only the
   end of the whole fold, after step 6, so an ending dropped there is never exposed to it.
 ``qualifiers_of`` returns the qualifier words that step 3 dropped, so a scorer can prefer
"Nea Kavala" over "Kavala" when the applicant said "Nea Kavala".

**Generic words** (``strip_generic_words``, words in ``generic_words.csv``): applicants add the kind of
place to its name in their own language — "Calais jungle", "Ter Apel azc", "Praha mesto", "Irak
country", "Griekenland land", "mukhayyam Yarmouk", "jazirat Lesbos". The file lists such words (camp,
border, city, village, island, river, province, region, country, port, station, airport …) in English,
Dutch, German, French, Turkish, Arabic and Persian (romanised and in their script), Greek and a few Slavic
languages, each with the kind of place it names when that is one the gazetteer knows (a camp, a border
crossing, an island, a region, a country; "town" for the words of a town, village, port or station, which
name a populated place rather than an island or region of that name). The lookup strips such words from the start and the end of
the text (never all of it) and looks the rest up too; the stripped words can hint the kind. Unlike the
qualifiers of step 3 they are not part of the fold, so the index does not change with the list: a name
in GeoNames that contains one ("Port Said", "New Haven") is still found whole first.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from importlib import resources

from anyascii import anyascii

_NON_DECOMPOSING = str.maketrans(
    {
        "ı": "i",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ð": "d",
        "þ": "th",
        # Arabic letter variants that people type interchangeably
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        # the Persian, Pashto and Urdu keyboards type other code points for the same letters: keheh for
        # kaf, Farsi yeh for yeh, heh doachashmee and heh with yeh for heh ("کندهار" is "كندهار")
        "ک": "ك",
        "ڪ": "ك",
        "ی": "ي",
        "ې": "ي",
        "ھ": "ه",
        "ۀ": "ه",
        # Kurdish (Sorani) letters for sounds Arabic writes with the plain letter: rr, ll, o, ê, e
        "ڕ": "ر",
        "ڵ": "ل",
        "ۆ": "و",
        "ێ": "ي",
        "ە": "ه",
        # Urdu and Pashto: the yeh at the end of a word, the nasal noon, retroflex t, d, r and Pashto's sh
        "ے": "ي",
        "ں": "ن",
        "ٹ": "ت",
        "ڈ": "د",
        "ڑ": "ر",
        "ټ": "ت",
        "ډ": "د",
        "ړ": "ر",
        "ښ": "ش",
    }
)


def normalise_name(text: str) -> str:
    """Return the exact index key of a place name (see module docstring). Empty if nothing is left."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NON_DECOMPOSING))
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        category = unicodedata.category(char)
        if category[0] in ("L", "N"):
            kept.append(char)
    return "".join(kept).casefold().translate(_NON_DECOMPOSING)


#: Arabic (and Persian/Turkish-written Arabic) articles, assimilated forms included.
ARABIC_ARTICLES = frozenset("al el il ul ol ad ed ar er as es ash esh at et az ez an en ath adh ax".split())
#: Articles of European languages found in place names.
OTHER_ARTICLES = frozenset("de di du da la le les lo il der die das den het the of von van".split())
#: Qualifier words: spa, saint, harbour, new/upper/lower, and words for the kind of place.
QUALIFIERS = frozenset(
    (
        "bad sankt st saint sainte san santa santo sint sveti sv skala nea neo neos nees ano kato "
        "palaia palaio palaiochori agios agia ayios aghios "
        "city town village dorp stad stadt camp kamp kampi lager refugee asylum centre center "
        "island eiland isle insel nisi nisos adasi koy koyu mahallesi merkez "
        "border crossing grens grenspost kapisi sinir gate "
        "river rivier fleuve riviere fluss nehir nehri region regio bolgesi "
        "velika veliki veliko mala mali malo gornja gornji gornje donja donji donje"
    ).split()
)
_DROPPABLE = ARABIC_ARTICLES | OTHER_ARTICLES | QUALIFIERS
#: Persian ezafe ("shahr-e Kabul", "ostan-e Herat"): the particle that links a generic word to the name.
EZAFE_PARTICLES = frozenset({"e", "ye", "i", "yi"})

_ABJAD_RANGES = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
_APOSTROPHES = re.compile(r"[`'’ʼʻʿʾ´‘]")
_WORD = re.compile(r"[a-z0-9]+")
_DIGRAPHS = (
    ("dzh", "j"),
    ("sch", "s"),
    ("tch", "k"),
    ("kh", "k"),
    ("ch", "k"),
    ("ck", "k"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("sh", "s"),
    ("zh", "j"),
    ("dj", "j"),
)
_LETTERS = str.maketrans({"q": "k", "c": "k", "w": "v", "y": "i"})
_H_AFTER_CONSONANT = re.compile(r"(?<=[bcdfgjklmnprstvxz])h|h$")
_VOWEL_RUN = re.compile(r"[aeiou]+")
_DOUBLE = re.compile(r"(.)\1+")
_MIN_LENGTH_FOR_ENDING = 5
_DEVOICED = {"d": "t", "b": "p", "g": "k", "z": "s"}


def _is_abjad(text: str) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in _ABJAD_RANGES)


def ascii_words(text: str) -> list[str]:
    """The name transliterated to lower-case ASCII and split into words (apostrophes removed)."""
    latin = anyascii(text.translate(_NON_DECOMPOSING)).casefold()
    return _WORD.findall(_APOSTROPHES.sub("", latin))


def _split_droppable(words: list[str]) -> tuple[list[str], list[str]]:
    # a Persian ezafe between two words ("Torbat-e Jam", "Mazar-i-Sharif") is often left out in writing
    words = [
        word
        for position, word in enumerate(words)
        if not (0 < position < len(words) - 1 and word in EZAFE_PARTICLES)
    ]
    kept = [word for word in words if word not in _DROPPABLE]
    if not kept:  # the name is only a qualifier ("Skala", "Bad"): keep it whole
        return words, []
    return kept, [word for word in words if word in QUALIFIERS]


def fold_word(word: str) -> str:
    """Fold one ASCII word (steps 4–5 of the module docstring)."""
    for digraph, replacement in _DIGRAPHS:
        word = word.replace(digraph, replacement)
    word = word.translate(_LETTERS).replace("x", "ks")
    word = _H_AFTER_CONSONANT.sub("", word)
    return _DOUBLE.sub(r"\1", _VOWEL_RUN.sub("a", word))


def _drop_ending(folded: str) -> str:
    if len(folded) >= _MIN_LENGTH_FOR_ENDING and folded.endswith("as"):
        folded = folded[:-1]
    if len(folded) >= _MIN_LENGTH_FOR_ENDING and folded.endswith("a"):
        folded = folded[:-1]
    return folded


def fold_name(text: str) -> str:
    """The spelling-family key of a name (see module docstring); empty for abjad-script names."""
    if _is_abjad(text):
        return ""
    kept, _ = _split_droppable(ascii_words(text))
    joined = "".join(fold_word(word) for word in kept)
    folded = _drop_ending(_DOUBLE.sub(r"\1", _VOWEL_RUN.sub("a", joined)))
    if len(folded) > 1 and folded[-1] in _DEVOICED:
        folded = folded[:-1] + _DEVOICED[folded[-1]]
    return folded


_ETHIOPIC = (0x1200, 0x137F)
#: The sixth order of an Ethiopic (Ge'ez) consonant is written the same whether it carries the short vowel ə
#: or none; ``anyascii`` gives no vowel ("ሽረ" → "shre"), romanisations often write one ("Shire").
_SIXTH_ORDER = 5
_ETHIOPIC_ROW = 8


def _with_sixth_order_vowels(text: str) -> str:
    """The text with a vowel after each sixth-order Ethiopic syllable that is not the last of its word."""
    chars: list[str] = []
    for position, char in enumerate(text):
        chars.append(anyascii(char) if _ETHIOPIC[0] <= ord(char) <= _ETHIOPIC[1] else char)
        following = text[position + 1] if position + 1 < len(text) else ""
        if (
            _ETHIOPIC[0] <= ord(char) <= _ETHIOPIC[1]
            and (ord(char) - _ETHIOPIC[0]) % _ETHIOPIC_ROW == _SIXTH_ORDER
            and following
            and _ETHIOPIC[0] <= ord(following) <= _ETHIOPIC[1]
        ):
            chars.append("e")
    return "".join(chars)


def fold_variants(text: str) -> list[str]:
    """The fold of the text, and for a name in Ethiopic script also the fold with the vowel of its sixth-order
    syllables ("ሽረ" folds as "shre" and as "shire", so it meets "Shire"); no empty folds."""
    folds = [fold_name(text)]
    if any(_ETHIOPIC[0] <= ord(char) <= _ETHIOPIC[1] for char in text):
        folds.append(fold_name(_with_sixth_order_vowels(text)))
    return [fold for position, fold in enumerate(folds) if fold and fold not in folds[:position]]


#: The Arabic article as a prefix of a name in Arabic script ("الخرطوم"): GeoNames writes many names with it and
#: many without ("خرطوم"), so an exact key is looked up in both forms (``arabic_article_variants``).
ARABIC_SCRIPT_ARTICLE = "ال"
_MIN_ARABIC_LETTERS = 3


def arabic_article_variants(key: str) -> list[str]:
    """The exact key, and for a key in Arabic script the same without its article or with one, each also with
    a final alif also as the alif maqsura it often stands for (``_FINAL_LETTER_SPELLINGS``)."""
    if not key or not _is_abjad(key) or not all(0x0600 <= ord(char) <= 0x06FF for char in key):
        return [key] if key else []
    if key.startswith(ARABIC_SCRIPT_ARTICLE) and len(key) - 2 >= _MIN_ARABIC_LETTERS:
        variants = [key, key[len(ARABIC_SCRIPT_ARTICLE) :]]
    elif len(key) >= _MIN_ARABIC_LETTERS:
        variants = [key, ARABIC_SCRIPT_ARTICLE + key]
    else:
        variants = [key]
    if len(key) >= _MIN_ARABIC_LETTERS:
        variants += [
            variant[:-1] + other
            for variant in list(variants)
            for other in _FINAL_LETTER_SPELLINGS.get(variant[-1], ())
        ]
    return variants


#: A final alif maqsura (ى, which the exact key writes as ya) is often written as alif ("باب الهوا" for باب الهوى,
#: Bab al-Hawa).
_FINAL_LETTER_SPELLINGS = {"ا": ("ي",)}


#: Arabic-script letters as the consonants the fold writes for them (``fold_word``: kh, q, c → k; th → t; dh → d;
#: sh → s; zh → j; w → v; the vowels, y and the glottal letters leave no consonant). Persian letters too.
_ARABIC_CONSONANTS = {
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ث": "t",
    "ج": "j",
    "چ": "k",
    "ح": "h",
    "خ": "k",
    "د": "d",
    "ذ": "d",
    "ر": "r",
    "ز": "z",
    "ژ": "j",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "غ": "g",
    "ف": "f",
    "ڤ": "v",
    "ق": "k",
    "ك": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
}
_ARABIC_VOWEL_LETTERS = frozenset("اوي")  # alef, waw, yeh: long vowels inside a word (waw at its start is v)
_MIN_SKELETON = 3


def consonant_skeleton(text: str) -> str:
    """The consonants of a name in Arabic script as the fold would write them, for meeting names in Latin script
    whose fold has the same consonants (``latin_skeleton``): "الخرطوم" → "krtm" (Khartoum: "kartam").

    Arabic script writes no short vowels, so the fold of a Latin name with its vowels removed is what such a
    name can be compared with. Each word loses its article (ال); alef, waw and yeh inside a word are vowels
    (waw at its start is v), hamza and ʿayn leave nothing, a final heh (or ta marbuta) is dropped, and the last
    consonant is devoiced as in the fold. Empty for a text not in Arabic script or with fewer than 3 consonants.
    """
    if not _is_abjad(text) or any(char.isascii() and char.isalpha() for char in text):
        return ""
    consonants: list[str] = []
    for word in unicodedata.normalize("NFKD", text.translate(_NON_DECOMPOSING)).split():
        word = "".join(char for char in word if not unicodedata.combining(char))
        if word.startswith(ARABIC_SCRIPT_ARTICLE) and len(word) > 3:
            word = word[len(ARABIC_SCRIPT_ARTICLE) :]
        if word.endswith("ه"):
            word = word[:-1]
        for position, char in enumerate(word):
            if char in _ARABIC_VOWEL_LETTERS:
                if position == 0 and char == "و":
                    consonants.append("v")
                continue
            consonants.append(_ARABIC_CONSONANTS.get(char, ""))
    skeleton = "".join(consonants)
    if len(skeleton) < _MIN_SKELETON:
        return ""
    return skeleton[:-1] + _DEVOICED.get(skeleton[-1], skeleton[-1])


def latin_skeleton(fold: str) -> str:
    """A fold without its vowels: what ``consonant_skeleton`` of the same name in Arabic script gives."""
    return fold.replace("a", "")


def qualifiers_of(text: str) -> frozenset[str]:
    """Qualifier words ("bad", "skala", "nea", "camp", …) the fold of ``text`` dropped."""
    if _is_abjad(text):
        return frozenset()
    _, dropped = _split_droppable(ascii_words(text))
    return frozenset("st" if word == "sankt" else word for word in dropped)


def ascii_key(text: str) -> str:
    """Transliterated, lower-case, without articles and qualifiers: a light key to score spellings by.

    Doubled letters are written once and a final h is dropped ("Raqqah" and "Raqa", "Mashhad" and
    "Mashad"): romanisations differ in them without naming another place.
    """
    kept, _ = _split_droppable(ascii_words(text))
    key = _DOUBLE.sub(r"\1", "".join(kept))
    return key[:-1] if len(key) > 3 and key.endswith("h") else key


_TOKEN = re.compile(r"[^\s\-–—,/]+")


_VOWELS = frozenset("aeiou")
#: Turkish stems that lose their last vowel before a suffix (şehir → şehri, nehir → nehri).
_HIGH_VOWELS = frozenset("iu")


def inflected_forms(key: str, language: str) -> set[str]:
    """Transliterated forms of a generic word as it stands before or after a name, beyond the word itself.

    Turkish (``tr``): the third-person possessive of a compound ("Gaziantep şehri", "Moria kampı",
    "Midilli adası", "Edirne sınırı", "Halep köyü"): -i/-u after a consonant, -si/-su after a vowel
    (ı, ü, ö are i, u, o once transliterated), and the stems whose last high vowel drops (şehir → şehri).
    Persian (``fa``): the ezafe joined to the word ("shahre Kabul", "ostane Herat"; written apart, the
    particle is a token of its own, see ``strip_generic_words``). Arabic (``ar``): the construct state,
    -a/-ah → -at ("madinat", "jazirat", "wilayat"). ``key`` is the word's transliteration.
    """
    if len(key) < 2 or not key.isalpha():
        return set()
    forms: set[str] = set()
    if language == "tr":
        if key[-1] in _VOWELS:
            forms |= {key + "si", key + "su"}
        else:
            forms |= {key + "i", key + "u"}
            if len(key) >= 4 and key[-2] in _HIGH_VOWELS and key[-3] not in _VOWELS:
                forms |= {key[:-2] + key[-1] + "i", key[:-2] + key[-1] + "u"}
    elif language == "fa":
        forms |= {key + "e", key + "ye", key + "i"}
    elif language == "ar":
        if key.endswith("ah"):
            forms.add(key[:-1] + "t")
        elif key[-1] in "ae":
            forms.add(key + "t")
    return forms - {key}


@functools.cache
def generic_words() -> dict[str, str]:
    """Keys of the words in ``generic_words.csv`` -> the kind of place they name ("" if none).

    Each word is stored under its exact key (``normalise_name``) and, for a word not in an abjad, its
    transliteration (``ascii_words`` joined), so "kampı", "kampi" and "KAMPI" are the same word; and
    under its inflected forms (``inflected_forms``: Turkish possessive, Persian ezafe, Arabic construct
    state), so "şehri" is the word "şehir". A word listed itself keeps its own row's kind.
    """
    text = resources.files("matching").joinpath("generic_words.csv").read_text(encoding="utf-8")
    words: dict[str, str] = {}
    inflected: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        word, kind = row["word"].strip(), (row["kind"] or "").strip()
        language = (row.get("language") or "").strip()
        keys = {normalise_name(word)}
        if not _is_abjad(word):
            latin = "".join(ascii_words(word))
            keys.add(latin)
            for form in inflected_forms(latin, language):
                inflected.setdefault(form, kind)
        for key in keys:
            if key:
                words[key] = kind
    return {**inflected, **words}


def generic_kind(token: str) -> str | None:
    """The kind a generic word names ("" if none), or None when the token is no generic word."""
    words = generic_words()
    for key in (normalise_name(token), "" if _is_abjad(token) else "".join(ascii_words(token))):
        if key and key in words:
            return words[key]
    return None


def strip_generic_words(text: str) -> tuple[str, frozenset[str]]:
    """The text without generic words at its start and end, and the kinds of place those words name.

    ("Calais", {"camp"}) from "Calais jungle"; ("Lesbos", {"island"}) from "jazirat Lesbos"; the text
    itself and no kinds when it has no generic word at either end or is nothing but generic words.
    """
    tokens = list(_TOKEN.finditer(text))
    first, last = 0, len(tokens)
    kinds: set[str] = set()
    while last - first > 1 and (kind := generic_kind(tokens[last - 1].group())) is not None:
        last -= 1
        kinds.add(kind)
    while last - first > 1 and (kind := generic_kind(tokens[first].group())) is not None:
        first += 1
        kinds.add(kind)
        if last - first > 1 and tokens[first].group().casefold() in EZAFE_PARTICLES | LINKING_WORDS:
            first += 1  # "shahr-e Kabul", "Isola di Lampedusa": the ezafe or "of" belongs to the generic word
    if first == 0 and last == len(tokens):
        return text, frozenset()
    start = tokens[first].start()
    if first > 0 and (elided := _ELIDED_ARTICLE.match(tokens[first].group())) is not None:
        start += elided.end()  # "Camp d'Idomeni", "Isola dell'Elba": the elided "of" too
    core = text[start : tokens[last - 1].end()]
    return core, frozenset(kind for kind in kinds if kind)


#: Words that join a leading generic word to the name ("Port of Piraeus", "Camp de Moria", "Isola di Lampedusa",
#: "Kamp van Moria"), left out with it.
LINKING_WORDS = frozenset("of de du des di del della do da van von".split())
#: An elided article or "of" at the start of the word after a generic word ("Camp d'Idomeni", "Île d'Oléron").
_ELIDED_ARTICLE = re.compile(r"(?:d|l|dell|dall|nell)[`'’ʼ](?=\w)", re.IGNORECASE)
