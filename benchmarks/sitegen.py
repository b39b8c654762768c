"""A generated copy of SouthFront (a WordPress site) for the pipeline benchmark: any number of article
pages in the markup of ``tests/sites/southfront/``, discoverable the way the southfront spider discovers
them, plus the same pages as a saved-HTML archive for ``scrapy process``.

Deterministic: article ``i`` depends only on ``seed`` and ``i``, so a site of 1,000 pages holds the
first 1,000 articles of a site of 5,000. Nothing is downloaded.

The site (as Yoast SEO and WordPress lay it out):

- ``/feed/``: RSS 2.0 with the 10 latest posts;
- ``/sitemap.xml``: a sitemap index of ``/post-sitemap.xml``, ``/post-sitemap2.xml``, ... (1,000 posts
  each) and ``/category-sitemap.xml``, which lists the category archives;
- ``/category/<name>/`` and ``/category/<name>/page/<n>/``: paginated archives, 20 excerpts a page;
- ``/<slug>/``: the posts, 40-80 kB of HTML each: Yoast meta, inline CSS and scripts, menu, donation
  bar (from 2020), the post with support buttons, captioned photos, maps, sharing and Jetpack related
  posts, tags, classic WordPress comments (before 2020) or wpDiscuz (from 2020), the comment form,
  sidebar widgets (recent and popular posts, tag cloud, archives) and the footer;
- ``robots.txt`` and ``site.json`` (``{"start_paths": [...]}``, as ``crawler.mirror.Mirror`` reads it).

The text is news prose with armed groups named in many spellings, Arabic names beside English ones, and
Arabic quotes; readers' comments and related-post titles name groups too (furniture the cleaners must
drop). A share of the posts (``dup_share``) are near-duplicates: an earlier post republished a little
later under another headline and slug, with a paragraph cut or added.
"""

from __future__ import annotations

import json
import random
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

SITE = "https://southfront.press"
POSTS_PER_SITEMAP = 1000
POSTS_PER_ARCHIVE_PAGE = 20
FEED_ITEMS = 10
FIRST_POST = datetime(2016, 6, 1, 8, 0, tzinfo=timezone.utc)
WPDISCUZ_FROM = datetime(2020, 1, 1, tzinfo=timezone.utc)  # and the donation bar
CATEGORIES = ("middle-east", "syria", "analysis", "maps", "videos", "military-analysis")

GROUPS = (  # (spellings a text uses, Arabic name or "")
    (("Hay’at Tahrir al-Sham", "Hayat Tahrir al-Sham", "Hay'at Tahrir ash-Sham", "HTS", "Tahrir al-Sham"),
     "هيئة تحرير الشام"),
    (("Jabhat al-Nusra", "al-Nusra Front", "Jabhat al Nusra", "Nusra Front", "Jabhat Fateh al-Sham", "JFS"),
     "جبهة النصرة"),
    (("ISIS", "ISIL", "Daesh", "the Islamic State", "ISIS terrorists"), "تنظيم الدولة"),
    (("Ahrar al-Sham", "Ahrar ash-Sham", "Harakat Ahrar al-Sham al-Islamiyya"), "حركة أحرار الشام"),
    (("Jaish al-Islam", "Jaysh al-Islam", "Army of Islam"), "جيش الإسلام"),
    (("Faylaq al-Rahman", "Failaq al-Rahman"), "فيلق الرحمن"),
    (("the Free Syrian Army", "FSA", "Free Syrian Army"), "الجيش السوري الحر"),
    (("the Syrian National Army", "SNA", "Turkish-backed Syrian National Army"), "الجيش الوطني السوري"),
    (("the Nour al-Din al-Zenki Movement", "Nour al-Din al-Zenki", "Nur al-Din al-Zinki", "Zenki"),
     "حركة نور الدين الزنكي"),
    (("Hurras al-Din", "Huras al-Deen", "Tanzim Hurras al-Din"), "تنظيم حراس الدين"),
    (("the Turkistan Islamic Party", "TIP fighters", "Turkestan Islamic Party"), "الحزب الإسلامي التركستاني"),
    (("al-Qaeda", "al-Qaida", "Al-Qaeda"), "تنظيم القاعدة"),
    (("the National Front for Liberation", "NFL", "National Liberation Front"), "الجبهة الوطنية للتحرير"),
    (("Jund al-Aqsa", "Jund al Aqsa"), ""),
    (("Jaish al-Fateh", "Army of Conquest"), "جيش الفتح"),
    (("the Syrian Democratic Forces", "SDF", "the YPG"), ""),
    (("Faylaq al-Sham", "Sham Legion"), "فيلق الشام"),
    (("Suqour al-Sham", "Suqur al-Sham"), ""),
)
PLACES = (
    "Idlib", "Aleppo", "Saraqib", "Afrin", "Raqqa", "Deir Ezzor", "Douma", "Eastern Ghouta", "Maarat al-Numan",
    "Jisr al-Shughur", "al-Bab", "Azaz", "Palmyra", "Qalamoun", "Hama", "Darat Izza", "Atarib", "Sarmada",
    "Bab al-Hawa", "Khan Sheikhoun", "Ariha", "Taftanaz", "Kafr Nabl", "Jarablus", "Manbij", "Tal Rifaat",
)
ARABIC_QUOTES = (
    "قال مصدر محلي إن اشتباكات عنيفة اندلعت بين {a} و{b} في ريف إدلب الغربي",
    "أعلنت {a} سيطرتها على عدة قرى كانت تحت سيطرة {b} بعد معارك استمرت يومين",
    "اتهم قيادي في {a} عناصر {b} بقتل ثلاثة من مقاتليه عند حاجز قرب المدينة",
)
TEMPLATES = (
    "Fighters of {a} clashed with {b} near {p} on {d}, according to local sources.",
    "{A} said its fighters had repelled an attack by {b} on the outskirts of {p}.",
    "On {d}, {a} launched a large-scale attack on positions of {b} in the {p} countryside.",
    "The clashes between {a} and {b} left at least {n} militants dead, pro-militant media reported.",
    "{A}, formerly known as {a2}, accused {b} of killing {n} of its members near {p}.",
    "Sources in {p} said that {a} ({ar}) had besieged several villages held by {b}.",
    "Reinforcements of {b} arrived in {p} from southern Idlib, but failed to stop the advance of {a}.",
    "{A} and {b} agreed on a ceasefire in {p} after {n} days of fighting, which collapsed within hours.",
    "Earlier, {a} and {b} jointly operated against government forces under a single command in {p}.",
    "A media wing of {b} released a statement accusing {a} of violating the agreement reached in {p}.",
)
SOURCES = (
    "Local sources", "Pro-opposition activists", "Pro-militant media outlets", "The Syrian Observatory for Human Rights",
    "A source in the {p} countryside", "Residents of {v}", "A field commander of {g}", "The Turkish Defense Ministry",
    "The Russian Center for Reconciliation", "Government sources", "Opposition media", "Eyewitnesses in {v}",
    "A spokesman for {g}", "The local council of {v}", "Journalists in {p}",
)
VERBS = ("reported", "said", "claimed", "confirmed", "told reporters", "stated", "announced", "denied reports")
CLAUSES = (
    "{n} fighters were killed and {n2} others injured in clashes near {v}",
    "the road between {v} and {v2} remained closed to civilian traffic",
    "a convoy of {n} vehicles carrying weapons and ammunition entered {p} through {v}",
    "{g} detained {n} members of {g2} at a checkpoint near {v}",
    "a drone strike targeted a headquarters of {g} in the village of {v}",
    "government forces shelled militant positions around {v} with heavy artillery",
    "the two sides exchanged fire with heavy machine guns along the front line near {v}",
    "hundreds of civilians fled from {v} towards the Turkish border",
    "the Turkish Army reinforced its observation post near {v} with {n} armored vehicles",
    "{g} imposed a curfew in {v} after {n} of its members were assassinated",
    "talks between the warring sides in {p} collapsed on {d}",
    "the fighting had spread to the villages of {v}, {v2} and {v3}",
    "an IED exploded near a vehicle of {g} on the road to {v}",
    "the oil fields near {v} had changed hands {n} times since {m}",
    "revenue from the crossing at {v} is the main source of income of {g}",
    "{g} seized {n} tanks and a large amount of ammunition from the headquarters of {g2} in {v}",
    "a commander of {g}, known as Abu {name} al-{name2}, was killed in an ambush near {v}",
    "the bodies of {n} fighters were handed over to their families in {v}",
    "prices of fuel and bread in {p} have risen by {n} percent since the fighting began",
    "{g} had accused {g2} of collaborating with the Turkish intelligence",
)
TAILS = ("", " on {d}", " late on {w}", " earlier this week", ", according to the local coordination committee",
         ", citing sources on the ground", " in a statement on Telegram", " on {w} evening")
VILLAGE_PREFIXES = ("Kafr", "Tall", "Ain", "Deir", "Khirbet", "Jabal", "Maarat", "Umm", "Beit", "", "", "")
SYLLABLES = "al ka ra ma sha da na ba ta ja ha qa za la fa sa ri mi di ni bi ti ji hi qi zi mo do no bo ur".split()
AGENCIES = ("Getty Images", "AFP", "Reuters", "SANA", "Ibaa News Agency", "Anadolu Agency", "AP")
COMMENTERS = ("Tommy Jensen", "Jens Holm", "Lazy Gamer", "Rob", "cechas vodobenikov", "Zionism = EVIL",
              "Florian Geyer", "Hasbara Hunter", "johnny rotten", "Kell", "Assad Must Stay", "AM Hants")


# Scripts every page of the site carries inline (WordPress emoji detection, the wpDiscuz options).
EMOJI_SCRIPT = r'''window._wpemojiSettings = {"baseUrl":"https:\/\/s.w.org\/images\/core\/emoji\/12.0.0-1\/72x72\/","ext":".png","svgUrl":"https:\/\/s.w.org\/images\/core\/emoji\/12.0.0-1\/svg\/","svgExt":".svg","source":{"concatemoji":"https:\/\/southfront.press\/wp-includes\/js\/wp-emoji-release.min.js?ver=5.4.2"}};
!function(e,a,t){var r,n,o,i,p=a.createElement("canvas"),s=p.getContext&&p.getContext("2d");function c(e,t){var a=String.fromCharCode;s.clearRect(0,0,p.width,p.height),s.fillText(a.apply(this,e),0,0);var r=p.toDataURL();return s.clearRect(0,0,p.width,p.height),s.fillText(a.apply(this,t),0,0),r===p.toDataURL()}function l(e){if(!s||!s.fillText)return!1;switch(s.textBaseline="top",s.font="600 32px Arial",e){case"flag":return!c([127987,65039,8205,9895,65039],[127987,65039,8203,9895,65039])&&(!c([55356,56826,55356,56819],[55356,56826,8203,55356,56819])&&!c([55356,57332,56128,56423,56128,56418,56128,56421,56128,56430,56128,56423,56128,56447],[55356,57332,8203,56128,56423,8203,56128,56418,8203,56128,56421,8203,56128,56430,8203,56128,56423,8203,56128,56447]));case"emoji":return!c([55357,56424,55356,57342,8205,55358,56605,8205,55357,56424,55356,57340],[55357,56424,55356,57342,8203,55358,56605,8203,55357,56424,55356,57340])}return!1}function d(e){var t=a.createElement("script");t.src=e,t.defer=t.type="text/javascript",a.getElementsByTagName("head")[0].appendChild(t)}}(window,document,window._wpemojiSettings);'''
WPDISCUZ_OPTIONS = r'''"wc_hide_replies_text":"Hide Replies","wc_show_replies_text":"View Replies","wc_msg_required_fields":"Please fill out required fields","wc_invalid_field":"Some of field value is invalid","wc_error_empty_text":"please fill out this field to comment","wc_error_url_text":"url is invalid","wc_error_email_text":"email address is invalid","wc_invalid_captcha":"Invalid Captcha Code","wc_login_to_vote":"You Must Be Logged In To Vote","wc_deny_voting_from_same_ip":"You are not allowed to vote for this comment","wc_self_vote":"You cannot vote for your comment","wc_vote_only_one_time":"You've already voted for this comment","wc_voting_error":"Voting Error","wc_comment_edit_not_possible":"Sorry, this comment is no longer possible to edit","wc_comment_not_updated":"Sorry, the comment was not updated","wc_comment_not_edited":"You've not made any changes","wc_msg_input_min_length":"Input is too short","wc_msg_input_max_length":"Input is too long","wc_spoiler_title":"Spoiler Title","wc_cannot_rate_again":"You cannot rate again","wc_not_allowed_to_rate":"You're not allowed to rate here","wc_follow_user":"Follow this user","wc_unfollow_user":"Unfollow this user","wc_follow_success":"You started following this comment author","wc_follow_canceled":"You stopped following this comment author.","wc_follow_email_confirm":"Please check your email and confirm the user following request.","is_email_field_required":"1","url":"https:\/\/southfront.press\/wp-admin\/admin-ajax.php","customAjaxUrl":"https:\/\/southfront.press\/wp-content\/plugins\/wpdiscuz\/utils\/ajax\/wpdiscuz-ajax.php","bubbleUpdateUrl":"https:\/\/southfront.press\/wp-json\/wpdiscuz\/v1\/update","wordpressIsPaginate":"","wpdiscuzCommentsOrder":"desc","commentListLoadType":"0","commentListUpdateTimer":"60","liveUpdateGuests":"1","wordpressThreadCommentsDepth":"5","wordpressIsPaginate":"","commentTextMaxLength":null,"replyTextMaxLength":null,"commentTextMinLength":1,"replyTextMinLength":1,"storeCommenterData":100000,"socialLoginAgreementCheckbox":0,"enableFbLogin":0,"fbUseOAuth2":0,"enableFbShare":0,"facebookAppID":"","facebookUseOAuth2":0,"enableGoogleLogin":0,"googleClientID":"","isLoadOnlyParentComments":0,"scrollToComment":1,"commentFormView":"collapsed","enableDropAnimation":1,"isNativeAjaxEnabled":1,"enableBubble":0,"bubbleLiveUpdate":0,"bubbleHintTimeout":45,"bubbleHintHideTimeout":10,"cookieHideBubbleHint":"wpdiscuz_hide_bubble_hint","bubbleShowNewCommentMessage":1,"bubbleLocation":"content_left","firstLoadWithAjax":0,"wc_copied_to_clipboard":"Copied to clipboard!","inlineFeedbackAttractionType":"blink","loadRichEditor":"1","wpDiscuzReCaptchaSK":"","wpDiscuzReCaptchaTheme":"light","wpDiscuzReCaptchaVersion":"2.0","wc_captcha_show_for_guest":0,"wc_captcha_show_for_members":0,"wpDiscuzIsShowOnSubscribeForm":0,"wmuEnabled":1,"wmuInput":"wmu_files","wmuMaxFileCount":1,"wmuMaxFileSize":2097152,"wmuPostMaxSize":8388608,"wmuIsLightbox":1,"wmuMimeTypes":{"jpg":"image\/jpeg","jpeg":"image\/jpeg","jpe":"image\/jpeg","gif":"image\/gif","png":"image\/png","bmp":"image\/bmp","tiff":"image\/tiff","tif":"image\/tiff","ico":"image\/x-icon"},"wmuPhraseConfirmDelete":"Are you sure you want to delete this attachment?","wmuPhraseNotAllowedFile":"Not allowed file type","wmuPhraseMaxFileCount":"Maximum number of uploaded files is 1","wmuPhraseMaxFileSize":"Maximum upload file size is 2MB","wmuPhrasePostMaxSize":"Maximum post size is 8MB","msgEmptyFile":"File is empty. Please upload something more substantial. This error could also be caused by uploads being disabled in your php.ini or by post_max_size being defined as smaller than upload_max_filesize in php.ini.","msgPostIdNotExists":"Post ID not exists","msgUploadingNotAllowed":"Sorry, uploading not allowed for this post","msgPermissionDenied":"You do not have sufficient permissions to perform this action","wmuKeyImages":"images","wmuSingleImageWidth":"auto","wmuSingleImageHeight":200,"version":"7.0.4","loadLastCommentId":0,"lastVisitKey":"wpdiscuz_last_visit","isCookiesEnabled":true,"wc_sticky_comment_button_text":"Stick","wc_unsticky_comment_button_text":"Unstick","wc_close_comment_button_text":"Close","wc_open_comment_button_text":"Open"'''


@dataclass(frozen=True)
class Post:
    index: int
    slug: str
    title: str
    published: datetime
    category: str
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]  # HTML of the entry content between the support buttons
    copy_of: int | None = None

    @property
    def path(self) -> str:
        return f"/{self.slug}/"

    @property
    def post_id(self) -> int:
        return 50000 + 7 * self.index


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("’", "").replace("'", "")).strip("-")


class Writer:
    """Random news prose for one post, drawn from its own RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3))).capitalize()

    def village(self) -> str:
        return f"{self.rng.choice(VILLAGE_PREFIXES)} {self.name()}".strip()

    def group(self) -> tuple[str, str, str]:
        """A group as written in this sentence, another spelling of it, and its Arabic name."""
        spellings, arabic = self.rng.choice(GROUPS)
        return self.rng.choice(spellings), self.rng.choice(spellings), arabic

    def slots(self, day: datetime) -> dict[str, str]:
        (a, a2, ar), (b, _, _) = self.group(), self.group()
        return {
            "a": a, "A": a[0].upper() + a[1:], "a2": a2, "ar": ar or a2, "b": b, "g": a, "g2": b,
            "p": self.rng.choice(PLACES), "v": self.village(), "v2": self.village(), "v3": self.village(),
            "n": str(self.rng.randint(2, 40)), "n2": str(self.rng.randint(2, 90)), "d": f"{day:%B} {day.day}",
            "w": f"{day - timedelta(days=self.rng.randint(1, 6)):%A}", "m": f"{self.rng.randint(2012, 2019)}",
            "name": self.name(), "name2": self.name(),
        }

    def sentence(self, day: datetime) -> str:
        """A sentence naming two groups, or a sourced report that may name some."""
        slots = self.slots(day)
        if self.rng.random() < 0.3:
            return self.rng.choice(TEMPLATES).format(**slots)
        report = (f"{self.rng.choice(SOURCES)} {self.rng.choice(VERBS)} that {self.rng.choice(CLAUSES)}"
                  f"{self.rng.choice(TAILS)}.").format(**slots)
        return report[0].upper() + report[1:]

    def paragraph(self, day: datetime) -> str:
        return " ".join(self.sentence(day) for _ in range(self.rng.randint(2, 5)))

    def title(self) -> str:
        (a, _, _), (b, _, _), place = self.group(), self.group(), self.rng.choice(PLACES)
        a, b = (x.removeprefix("the ") for x in (a, b))
        form = self.rng.choice((
            "{a} Launches Large Attack On {b} In {p}", "{a} And {b} Clash In {p}",
            "Infighting Between {a} And {b} Spreads Across {p}", "{a} Takes Control Of {p} From {b}",
            "{a} Captures {n} Villages From {b} Near {p}", "Tensions Between {a} And {b} Rise In {p}",
        ))
        return form.format(a=a[0].upper() + a[1:], b=b[0].upper() + b[1:], p=place, n=self.rng.randint(2, 9))


def write_post(seed: int, index: int, earlier: list[Post], slugs: set[str], dup_share: float) -> Post:
    """Post ``index``; ``earlier`` are the posts before it and ``slugs`` their slugs (this one's is added)."""
    rng = random.Random(f"{seed}:post:{index}")
    published = FIRST_POST + timedelta(hours=8 * index, minutes=rng.randint(0, 400))
    if index >= 10 and rng.random() < dup_share:
        source = earlier[rng.randrange(max(0, index - 200), index)]
        return near_duplicate(rng, index, source, published, slugs)
    writer = Writer(rng)
    title = writer.title()
    paragraphs = [f"<p><strong>{escape(writer.paragraph(published), quote=False)}</strong></p>", photo(rng, title)]
    for n in range(rng.randint(6, 14)):
        paragraphs.append(f"<p>{escape(writer.paragraph(published), quote=False)}</p>")
        if n == 2 and rng.random() < 0.5:
            paragraphs.extend(map_block(rng, title))
        if n == 4 and rng.random() < 0.4:
            (a, _, ar), (b, _, br) = writer.group(), writer.group()
            if ar and br:
                quote = rng.choice(ARABIC_QUOTES).format(a=ar, b=br)
                paragraphs.append(f'<blockquote><p dir="rtl" lang="ar">{quote}</p></blockquote>')
    tags = tuple(dict.fromkeys([writer.group()[0].removeprefix("the ") for _ in range(3)] + ["Syria", "Idlib"]))
    return Post(index, unique_slug(slugify(title), slugs), title, published, rng.choice(CATEGORIES), tags,
                tuple(paragraphs))


def near_duplicate(rng: random.Random, index: int, source: Post, published: datetime, slugs: set[str]) -> Post:
    """``source`` republished: new headline and slug, a paragraph cut or one added, the rest as it was."""
    paragraphs = list(source.paragraphs)
    text_positions = [i for i, p in enumerate(paragraphs) if p.startswith("<p>")]
    if rng.random() < 0.5 and len(text_positions) > 3:
        del paragraphs[rng.choice(text_positions)]
    else:
        added = Writer(rng).paragraph(published)
        paragraphs.insert(rng.choice(text_positions) + 1, f"<p>{escape(added, quote=False)}</p>")
    title = rng.choice(("Update: {}", "{} (Updated)", "Breaking: {}", "{}: New Details")).format(source.title)
    original = source.index if source.copy_of is None else source.copy_of
    return Post(index, unique_slug(slugify(title), slugs), title, published, source.category, source.tags,
                tuple(paragraphs), copy_of=original)


def unique_slug(slug: str, taken: set[str]) -> str:
    """WordPress appends -2, -3, ... to a slug already taken."""
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def photo(rng: random.Random, title: str) -> str:
    image = f"{SITE}/wp-content/uploads/{rng.randint(2016, 2020)}/{rng.randint(1, 12):02}/{rng.getrandbits(40):x}.jpg"
    caption = "Illustrative image" if rng.random() < 0.4 else (
        f"Fighters in {rng.choice(PLACES)} province (Photo: {rng.choice(AGENCIES)})")
    return (
        f'<div id="attachment_{rng.randint(10000, 99999)}" style="width: 810px" class="wp-caption aligncenter">'
        f'<a href="{image}"><img class="wp-image size-full" src="{image}" alt="{escape(title)}" width="800" '
        f'height="450" /></a><p class="wp-caption-text">{escape(caption)}</p></div>'
    )


def map_block(rng: random.Random, title: str) -> list[str]:
    image = f"{SITE}/wp-content/uploads/2019/01/map-{rng.getrandbits(32):x}.jpg"
    return [
        f'<p><a href="{image}"><img class="aligncenter size-large" src="{image}" alt="{escape(title)}" '
        f'width="1024" height="724" /></a></p>',
        f'<p style="text-align: center;"><em><a href="{image}">Click to see the full-size map</a></em></p>',
    ]


# --- page furniture ------------------------------------------------------------------------------

def theme_css(seed: int) -> str:
    """The theme's inlined critical CSS: the same on every page, as on the real site."""
    rng = random.Random(f"{seed}:css")
    parts = ("site-header", "entry-title", "entry-meta", "widget", "menu-item", "wpd-comment", "sd-button",
             "support-southfront", "jp-relatedposts", "nav-links", "tagcloud", "comment-body", "sf-donation")
    rules = []
    for _ in range(130):
        selector = f".{rng.choice(parts)} .{rng.choice(parts)}-{rng.randint(1, 40)}"
        rules.append(f"{selector}{{color:#{rng.getrandbits(24):06x};margin:{rng.randint(0, 24)}px "
                     f"{rng.randint(0, 24)}px;font-size:{rng.randint(11, 22)}px;line-height:1.{rng.randint(2, 8)}}}")
    return "\n".join(rules)


def head(post: Post | None, title: str, path: str, css: str) -> str:
    full = f"{escape(title)} | SouthFront"
    meta = ""
    if post is not None:
        meta = "".join(f'<meta property="article:tag" content="{escape(t)}" />\n' for t in post.tags) + (
            f'<meta property="article:section" content="{post.category.replace("-", " ").title()}" />\n'
            f'<meta property="article:published_time" content="{post.published.isoformat()}" />\n'
            f'<meta property="article:modified_time" content="{(post.published + timedelta(minutes=40)).isoformat()}" />\n'
            f'<meta property="og:image" content="{SITE}/wp-content/uploads/{post.published:%Y/%m}/{post.slug[:20]}.jpg" />\n'
        )
    return f"""<!DOCTYPE html>
<html lang="en-US" prefix="og: http://ogp.me/ns#">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="http://gmpg.org/xfn/11">
<link rel="pingback" href="{SITE}/xmlrpc.php">
<title>{full}</title>
<!-- This site is optimized with the Yoast SEO plugin v14.2 - https://yoast.com/wordpress/plugins/seo/ -->
<link rel="canonical" href="{SITE}{path}" />
<meta property="og:locale" content="en_US" />
<meta property="og:type" content="{'article' if post else 'website'}" />
<meta property="og:title" content="{full}" />
<meta property="og:url" content="{SITE}{path}" />
<meta property="og:site_name" content="SouthFront" />
{meta}<meta name="twitter:card" content="summary_large_image" />
<meta name="twitter:site" content="@southfronteng" />
<script type='application/ld+json'>{{"@context": "https://schema.org", "@type": "WebSite", "@id": "{SITE}/#website", "url": "{SITE}/", "name": "SouthFront", "potentialAction": {{"@type": "SearchAction", "target": "{SITE}/?s={{search_term_string}}", "query-input": "required name=search_term_string"}}}}</script>
<!-- / Yoast SEO plugin. -->
<link rel='dns-prefetch' href='//fonts.googleapis.com' />
<link rel="alternate" type="application/rss+xml" title="SouthFront &raquo; Feed" href="/feed/" />
<script type="text/javascript">
{EMOJI_SCRIPT}
</script>
<style type="text/css" id="southfront-critical-css">
{css}
</style>
<link rel='stylesheet' id='southfront-style-css' href='/wp-content/themes/southfront/style.css?ver=5.4.2' type='text/css' media='all' />
<script type='text/javascript' src='/wp-includes/js/jquery/jquery.js?ver=1.12.4-wp'></script>
<script async src="https://www.googletagmanager.com/gtag/js?id=UA-53429018-1"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date()); gtag('config', 'UA-53429018-1');</script>
</head>
"""


def masthead(donation_month: datetime | None) -> str:
    items = "\n".join(
        f'      <li class="menu-item"><a href="/category/{c}/">{c.replace("-", " ").title()}</a>'
        f'<ul class="sub-menu">' + "".join(
            f'<li class="menu-item"><a href="/category/{c}/">{c.replace("-", " ").title()} {sub}</a></li>'
            for sub in ("News", "Reports", "Maps", "Videos")) + "</ul></li>"
        for c in CATEGORIES
    )
    donation = ""
    if donation_month is not None:
        donation = (
            '<div class="sf-donation"><div class="sf-donation__bar"><span>0 $</span><span>2,500 $</span>'
            f'<span>5,000 $</span><span class="sf-donation__now">{(donation_month.day * 97) % 5000:,} $</span></div>'
            f'<div class="sf-donation__month">{f"{donation_month:%B %Y}".upper()}</div></div>\n'
        )
    return f"""<body class="post-template-default single single-post single-format-standard">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
{donation}<header id="masthead" class="site-header" role="banner">
  <div class="site-branding">
    <p class="site-title"><a href="/" rel="home">SouthFront</a></p>
    <p class="site-description">Analysis &amp; Intelligence</p>
  </div>
  <div class="header-support"><a href="/support-southfront/">Support us</a></div>
  <nav id="site-navigation" class="main-navigation" role="navigation">
    <button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Menu</button>
    <ul id="primary-menu" class="menu">
      <li class="menu-item"><a href="/">Home</a></li>
{items}
      <li class="menu-item"><a href="/about/">About</a></li>
      <li class="menu-item"><a href="/contacts/">Contacts</a></li>
    </ul>
  </nav>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area">
<main id="main" class="site-main" role="main">
"""


SUPPORT = ('<div class="support-southfront"><a class="support-southfront__button" href="/support-southfront/">'
           'Support SouthFront</a></div>')


def sharing(path: str) -> str:
    links = "".join(
        f'<li class="share-{s}"><a href="{SITE}{path}?share={s}" class="share-{s} sd-button share-icon" '
        f'rel="nofollow noopener noreferrer" target="_blank" title="Click to share on {s.title()}">'
        f"<span>{s.title()}</span></a></li>"
        for s in ("facebook", "twitter", "reddit", "telegram", "email", "print")
    )
    return (f'<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social '
            f'sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3><div class="sd-content">'
            f"<ul>{links}</ul></div></div></div>")


def related(rng: random.Random, posts: list[Post]) -> str:
    items = "".join(
        f'<div class="jp-relatedposts-post jp-relatedposts-post{n}" data-post-id="{p.post_id}" data-post-format="false">'
        f'<h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" href="{p.path}" '
        f'title="{escape(p.title)}">{escape(p.title)}</a></h4><p class="jp-relatedposts-post-date">'
        f'{p.published:%B %d, %Y}</p><p class="jp-relatedposts-post-context">In &quot;Middle East&quot;</p></div>'
        for n, p in enumerate(rng.sample(posts, min(3, len(posts))))
    )
    return (f"<div id='jp-relatedposts' class='jp-relatedposts'><h3 class=\"jp-relatedposts-headline\">"
            f"<em>Related</em></h3><div class=\"jp-relatedposts-items\">{items}</div></div>")


def comment(rng: random.Random, writer: Writer, post: Post, number: int, wpdiscuz: bool) -> str:
    author, text = rng.choice(COMMENTERS), " ".join(
        writer.sentence(post.published) for _ in range(rng.randint(1, 5)))
    when = post.published + timedelta(minutes=13 * number + rng.randint(0, 30))
    cid = post.post_id * 100 + number
    if wpdiscuz:
        return (
            f'<div id="wpd-comm-{cid}_0" class="wpd-comment wpd_comment_level-1"><div class="wpd-comment-wrap '
            f'wpd-blog-guest"><div class="wpd-avatar"><img alt="{author}" src="https://secure.gravatar.com/avatar/'
            f'{rng.getrandbits(64):x}?s=64&amp;d=mm&amp;r=g" class="avatar avatar-64 photo" height="64" width="64" '
            f'loading="lazy"/></div><div class="wpd-comment-right"><div class="wpd-comment-header"><div '
            f'class="wpd-comment-author">{escape(author)}</div><div class="wpd-comment-date" title="{when:%B %d, %Y %I:%M %p}">'
            f'<i class="far fa-clock" aria-hidden="true"></i> {rng.randint(1, 11)} months ago</div></div>'
            f'<div class="wpd-comment-text"><p>{escape(text, quote=False)}</p></div><div class="wpd-comment-footer">'
            f'<div class="wpd-vote"><div class="wpd-vote-up wpd_not_clicked"><svg aria-hidden="true" viewBox="0 0 448 512">'
            f'<path d="M272 480h-96c-13.3 0-24-10.7-24-24V256H48.2c-21.4 0-32.1-25.8-17-41L207 39c9.4-9.4 24.6-9.4 '
            f'34 0l175.6 176c15.1 15.1 4.4 41-17 41H296v200c0 13.3-10.7 24-24 24z"></path></svg></div><div '
            f'class="wpd-vote-result">{rng.randint(-5, 30)}</div></div><div class="wpd-reply-button"><span>Reply</span>'
            f"</div></div></div></div></div>\n"
        )
    return (
        f'    <li id="comment-{cid}" class="comment even thread-even depth-1"><article id="div-comment-{cid}" '
        f'class="comment-body"><footer class="comment-meta"><div class="comment-author vcard"><b class="fn">'
        f'{escape(author)}</b> <span class="says">says:</span></div><div class="comment-metadata"><a href="'
        f'{post.path}#comment-{cid}"><time datetime="{when.isoformat()}">{when:%Y-%m-%d}</time></a></div></footer>'
        f'<div class="comment-content"><p>{escape(text, quote=False)}</p></div><div class="reply"><a rel="nofollow" '
        f'class="comment-reply-link" href="{post.path}?replytocom={cid}#respond">Reply</a></div></article></li>\n'
    )


def comments(post: Post, body: list[str], wpdiscuz: bool) -> tuple[str, str]:
    """Opening and closing HTML of the comment section; the comments go between them."""
    form = (
        '<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply '
        f'<small><a rel="nofollow" id="cancel-comment-reply-link" href="{post.path}#respond" style="display:none;">'
        'Cancel reply</a></small></h3><form action="/wp-comments-post.php" method="post" id="commentform" '
        'class="comment-form" novalidate><p class="comment-notes"><span id="email-notes">Your email address will '
        'not be published.</span> Required fields are marked <span class="required">*</span></p><p '
        'class="comment-form-comment"><label for="comment">Comment</label> <textarea id="comment" name="comment" '
        'cols="45" rows="8" maxlength="65525" required="required"></textarea></p><p class="comment-form-author">'
        '<label for="author">Name <span class="required">*</span></label> <input id="author" name="author" '
        'type="text" value="" size="30" maxlength="245" required=\'required\' /></p><p class="comment-form-email">'
        '<label for="email">Email <span class="required">*</span></label> <input id="email" name="email" '
        'type="email" value="" size="30" maxlength="100" required=\'required\' /></p><p class="form-submit"><input '
        'name="submit" type="submit" id="submit" class="submit" value="Post Comment" /><input type=\'hidden\' '
        f"name='comment_post_ID' value='{post.post_id}' id='comment_post_ID' /></p></form></div>"
    )
    if wpdiscuz:
        opening = (
            '<div id="comments" class="comments-area"><div id="wpdcom" class="wpdiscuz_unauth wpd-default '
            'wpd-layout-2 wpd-comments-open"><div class="wpd-form-wrap"><div class="wpd-form-head"><div '
            'class="wpd-sbs-toggle"><i class="far fa-envelope"></i> <span class="wpd-sbs-title">Notify of</span> '
            '</div></div></div><div class="wpd-thread-head"><div class="wpd-thread-info">'
            f'<span class="wpdtc">{len(body)}</span> Comments</div><div class="wpd-thread-filter"><div '
            'class="wpd-filter wpdf-sorting">Newest Most Voted</div></div></div><div class="wpd-thread-list">\n'
        )
        closing = ('</div><div class="wpd-inline-feedbacks">Inline Feedbacks</div><div class="wpd-load-more">'
                   f"View all comments</div></div>{form}</div>\n")
    else:
        opening = (f'<div id="comments" class="comments-area">\n  <h2 class="comments-title">{len(body)} thoughts on '
                   f'&ldquo;{escape(post.title)}&rdquo;</h2>\n  <ol class="comment-list">\n')
        closing = f"  </ol>\n  {form}\n</div>\n"
    return opening, closing


def sidebar(rng: random.Random, posts: list[Post], tag_cloud: bool = True) -> str:
    """Widgets and footer. Archive pages have no tag cloud: the spider would follow its /tag/ links."""
    recent = "".join(f'<li><a href="{p.path}">{escape(p.title)}</a></li>' for p in posts[-15:][::-1])
    popular = "".join(
        f'<li><a href="{p.path}" class="wpp-post-title" target="_self">{escape(p.title)}</a> <span class="wpp-meta '
        f'post-stats"><span class="wpp-views">{rng.randint(500, 90000):,} views</span></span></li>'
        for p in rng.sample(posts, min(10, len(posts)))
    )
    tags = "" if not tag_cloud else "".join(
        f'<a href="/tag/{slugify(t)}/" class="tag-cloud-link tag-link-{rng.randint(100, 9999)}" style="font-size: '
        f'{rng.randint(8, 22)}pt;" aria-label="{escape(t)} ({rng.randint(3, 4000)} items)">{escape(t)}</a>\n'
        for group in GROUPS for t in group[0][:2] + (rng.choice(PLACES),)
    )
    months = "".join(f'<li><a href="/{2020 - m // 12}/{12 - m % 12:02}/">{datetime(2020 - m // 12, 12 - m % 12, 1):%B %Y}'
                     f"</a></li>" for m in range(36))
    return f"""</main>
</div>
<aside id="secondary" class="widget-area" role="complementary">
  <section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="/"><label><span class="screen-reader-text">Search for:</span><input type="search" class="search-field" placeholder="Search &hellip;" value="" name="s" /></label><input type="submit" class="search-submit" value="Search" /></form></section>
  <section id="text-3" class="widget widget_text"><h2 class="widget-title">Support SouthFront</h2><div class="textwidget"><p>SouthFront needs your support. PayPal, Bitcoin, bank transfer.</p></div></section>
  <section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{recent}</ul></section>
  <section id="wpp-2" class="widget popular-posts"><h2 class="widget-title">Most Popular</h2><ul class="wpp-list">{popular}</ul></section>
  <section id="tag_cloud-2" class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2><div class="tagcloud">{tags}</div></section>
  <section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>{months}</ul></section>
</aside>
</div><!-- #content -->
<footer id="colophon" class="site-footer" role="contentinfo">
  <div class="site-info">SouthFront: Analysis &amp; Intelligence &copy; 2014-2020. Republishing is allowed with a link to the original article.</div>
</footer>
</div><!-- #page -->
<script type='text/javascript'>
/* <![CDATA[ */
var wpdiscuzAjaxObj = {{"cookiehash":"{rng.getrandbits(128):032x}","wc_post_id":{rng.randint(10000, 99999)},{WPDISCUZ_OPTIONS}}};
/* ]]> */
</script>
<script type='text/javascript' src='/wp-content/plugins/wpdiscuz/assets/js/wpdiscuz.js?ver=7.0.4'></script>
<script type='text/javascript' src='/wp-includes/js/comment-reply.min.js?ver=5.4.2'></script>
<script type='text/javascript' src='/wp-includes/js/wp-embed.min.js?ver=5.4.2'></script>
<script type='text/javascript' src='https://stats.wp.com/e-202024.js' async='async' defer='defer'></script>
<script type='text/javascript'>_stq = window._stq || []; _stq.push([ 'view', {{v:'ext',j:'1:8.6.1',blog:'{rng.randint(10**7, 10**8)}',post:'{rng.randint(10000, 99999)}',tz:'0',srv:'southfront.press'}} ]); _stq.push([ 'clickTrackerInit', '{rng.randint(10**7, 10**8)}', '{rng.randint(10000, 99999)}' ]);</script>
</body>
</html>
"""


def post_page(seed: int, post: Post, posts: list[Post], css: str) -> str:
    """The HTML of one post, filled with readers' comments up to a size drawn from 40-80 kB."""
    rng = random.Random(f"{seed}:page:{post.index}")
    target = rng.randint(40_000, 80_000)
    wpdiscuz = post.published >= WPDISCUZ_FROM
    others = posts[max(0, post.index - 60) : post.index + 1]  # the recent posts the sidebar shows
    date = post.published
    article = f"""<article id="post-{post.post_id}" class="post-{post.post_id} post type-post status-publish format-standard has-post-thumbnail hentry category-{post.category}">
  <header class="entry-header">
    <h1 class="entry-title">{escape(post.title)}</h1>
    <div class="entry-meta"><span class="posted-on">Posted on <a href="{post.path}" rel="bookmark"><time class="entry-date published" datetime="{date.isoformat()}">{date:%d.%m.%Y}</time><time class="updated" datetime="{(date + timedelta(minutes=40)).isoformat()}">{date:%Y-%m-%d}</time></a></span><span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/southfront/" rel="author">South Front</a></span></span></div>
  </header>
  <div class="entry-content">
{SUPPORT}
{chr(10).join(post.paragraphs)}
{SUPPORT}
{sharing(post.path)}
{related(rng, others)}
  </div>
  <footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/{post.category}/" rel="category tag">{post.category.replace("-", " ").title()}</a></span><span class="tags-links">Tagged {", ".join(f'<a href="/tag/{slugify(t)}/" rel="tag">{escape(t)}</a>' for t in post.tags)}</span></footer>
</article>
<nav class="navigation post-navigation" role="navigation"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links"><div class="nav-previous"><a href="{others[0].path}" rel="prev">{escape(others[0].title)}</a></div></div></nav>
"""
    before = head(post, post.title, post.path, css) + masthead(date if wpdiscuz else None) + article
    after = sidebar(rng, others)
    writer = Writer(rng)
    body: list[str] = []
    size = len(before.encode()) + len(after.encode()) + 3000
    while size < target:
        body.append(comment(rng, writer, post, len(body), wpdiscuz))
        size += len(body[-1].encode())
    opening, closing = comments(post, body, wpdiscuz)
    return before + opening + "".join(body) + closing + after


def archive_path(category: str, page: int) -> str:
    """WordPress's archive pages: /category/NAME/, then /category/NAME/page/2/ ..."""
    return f"/category/{category}/" + (f"page/{page}/" if page > 1 else "")


def archive_page(seed: int, category: str, page: int, pages: int, members: list[Post], posts: list[Post],
                 css: str) -> str:
    rng = random.Random(f"{seed}:archive:{category}:{page}")
    path = archive_path(category, page)
    excerpts = "".join(
        f'<article class="post-{p.post_id} post type-post hentry"><header class="entry-header"><h2 class="entry-title">'
        f'<a href="{p.path}" rel="bookmark">{escape(p.title)}</a></h2><div class="entry-meta"><time class="entry-date '
        f'published" datetime="{p.published.isoformat()}">{p.published:%d.%m.%Y}</time></div></header><div '
        f'class="entry-summary"><p>{re.sub("<[^>]+>", "", p.paragraphs[0])[:300]} [&hellip;]</p></div></article>\n'
        for p in members
    )
    numbers = "".join(f'<a class="page-numbers" href="{archive_path(category, n)}">{n}</a>'
                      for n in range(max(1, page - 3), min(pages, page + 3) + 1) if n != page)
    following = f'<a class="next page-numbers" href="{archive_path(category, page + 1)}">Next</a>' if page < pages else ""
    title = f"{category.replace('-', ' ').title()} Archives"
    return (head(None, title, path, css) + masthead(None) + f'<header class="page-header"><h1 class="page-title">'
            f"{title}</h1></header>\n{excerpts}<nav class=\"navigation pagination\"><div class=\"nav-links\">"
            f"{numbers}{following}</div></nav>\n" + sidebar(rng, posts[-200:], tag_cloud=False))


# --- discovery ------------------------------------------------------------------------------------

def url_set(entries: list[tuple[str, datetime]]) -> str:
    urls = "".join(f"\t<url>\n\t\t<loc>{path}</loc>\n\t\t<lastmod>{when.isoformat()}</lastmod>\n\t</url>\n"
                   for path, when in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="//southfront.press/'
            'main-sitemap.xsl"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n<!-- XML Sitemap generated by Yoast SEO -->")


def sitemap_index(names: list[str], when: datetime) -> str:
    entries = "".join(f"\t<sitemap>\n\t\t<loc>/{n}</loc>\n\t\t<lastmod>{when.isoformat()}</lastmod>\n\t</sitemap>\n"
                      for n in names)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9">\n{entries}</sitemapindex>\n')


def rss(posts: list[Post]) -> str:
    items = "".join(
        f"\t<item>\n\t\t<title>{escape(p.title)}</title>\n\t\t<link>{p.path}</link>\n\t\t<pubDate>"
        f"{p.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>\n\t\t<dc:creator><![CDATA[South Front]]></dc:creator>\n"
        f"\t\t<category><![CDATA[{p.category}]]></category>\n\t\t<guid isPermaLink=\"false\">{SITE}/?p={p.post_id}"
        f"</guid>\n\t\t<description><![CDATA[{re.sub('<[^>]+>', '', p.paragraphs[0])[:300]}]]></description>\n\t</item>\n"
        for p in posts
    )
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n\t<title>SouthFront</title>\n\t<link>/</link>\n'
            f"\t<description>Analysis &#038; Intelligence</description>\n{items}</channel>\n</rss>\n")


def write(root: Path, relative: str, text: str) -> int:
    path = root / relative.lstrip("/")
    if relative.endswith("/"):
        path = path / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def generate(root: Path, pages: int, seed: int = 1, dup_share: float = 0.1, archive: Path | None = None) -> dict:
    """Write a site of ``pages`` posts under ``root``; with ``archive``, also the posts as saved HTML
    (JSON Lines of url, outlet, html). Returns a summary: counts and sizes."""
    posts: list[Post] = []
    slugs: set[str] = set()
    for index in range(pages):
        posts.append(write_post(seed, index, posts, slugs, dup_share))
    css = theme_css(seed)
    sizes = []
    with open(archive, "w", encoding="utf-8") if archive else nullcontext() as saved:
        for post in posts:
            html = post_page(seed, post, posts, css)
            sizes.append(write(root, post.path, html))
            if saved:
                saved.write(json.dumps({"url": SITE + post.path, "outlet": "southfront", "html": html},
                                       ensure_ascii=False) + "\n")
    listing_pages = 0
    for category in CATEGORIES:
        members = [p for p in reversed(posts) if p.category == category]
        count = max(1, -(-len(members) // POSTS_PER_ARCHIVE_PAGE))
        for page in range(1, count + 1):
            chunk = members[(page - 1) * POSTS_PER_ARCHIVE_PAGE : page * POSTS_PER_ARCHIVE_PAGE]
            write(root, archive_path(category, page), archive_page(seed, category, page, count, chunk, posts, css))
            listing_pages += 1
    latest = posts[-1].published
    sitemaps = []
    for start in range(0, pages, POSTS_PER_SITEMAP):
        name = "post-sitemap.xml" if start == 0 else f"post-sitemap{start // POSTS_PER_SITEMAP + 1}.xml"
        sitemaps.append(name)
        write(root, name, url_set([(p.path, p.published) for p in posts[start : start + POSTS_PER_SITEMAP]]))
    write(root, "category-sitemap.xml", url_set([(f"/category/{c}/", latest) for c in CATEGORIES]))
    write(root, "sitemap.xml", sitemap_index([*sitemaps, "category-sitemap.xml"], latest))
    write(root, "feed/index.xml", rss(posts[::-1][:FEED_ITEMS]))
    write(root, "robots.txt", "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                              f"Sitemap: {SITE}/sitemap.xml\n")
    write(root, "site.json", json.dumps({"start_paths": ["/feed/", "/sitemap.xml"]}))
    sizes.sort()
    return {
        "posts": pages,
        "near_duplicates": sum(p.copy_of is not None for p in posts),
        "listing_pages": listing_pages,
        "sitemaps": len(sitemaps) + 2,
        "html_kb_median": round(sizes[len(sizes) // 2] / 1000, 1),
        "html_kb_min": round(sizes[0] / 1000, 1),
        "html_kb_max": round(sizes[-1] / 1000, 1),
        "html_mb_total": round(sum(sizes) / 1e6, 1),
    }
