"""Rules as data: the line patterns the stripper and the parser use, per rule family and language.

Nothing here runs; ``tasks.extract.boilerplate`` and ``tasks.extract.parse`` compile these lists into alternation
regexes per family and apply them to exploded lines with polars (a pattern that opens with a wildcard
gets a regex of its own and reads only the lines holding the part ``RULE_REQUIRES`` names for it).
Patterns are written for polars' RE2-like engine: no lookaround, no backreferences; word boundaries
are ``(?-u:\\b)`` where ASCII suffices.
Each family is matched against the whole stripped line (``^(?:...)$``) unless it sits in a
``*_CONTAINS`` list, which matches anywhere in the line.

Languages covered: en, de, fr, es, it, pt, ru. To support another language, add its words to the
lists below; no code changes are needed.

Rule families (the values of ``LINES.strip_rule``):

- ``share``: share and follow buttons.
- ``nav``: menus, skip links, search boxes, login links, breadcrumbs.
- ``pagination``: previous/next post links.
- ``related``: "related posts", "read more", "you may also like" headings.
- ``taxonomy``: category and tag lines ("Filed under", "Tags:", "Schlagwörter:").
- ``byline``: author and date lines of the article ("By Jane Doe", "Posted on", "5 min read").
- ``caption``: image captions and credits ("Photo: …", "Image copyright …", "ILLUSTRATIVE IMAGE").
- ``newsletter``: subscription boxes.
- ``donation``: donation and support widgets (amounts, "Donate", "Support us").
- ``appeal``: sentences asking readers to pay for the journalism ("Your support helps …").
- ``embed``: what a blocked embed (a video, a post, a map) leaves in the text: its label and consent prompt
  ("External content", "I agree to external content being shown", "YouTube-Inhalte erlauben").
- ``cookie``: cookie and consent banners.
- ``comment_form``: the comment form ("Leave a Reply", "Name *", "Your email address will not be published").
- ``comment_chrome``: comment-widget controls ("Reply", "Antworten", "Oldest", "Newest Most Voted").
- ``footer``: copyright, legal links, "all rights reserved".
- ``template``: lines learned per site from the batch (see ``learn_template_lines``).
- ``profile``: lines a site profile marks as boilerplate.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------------
# Vocabulary shared by several families
# --------------------------------------------------------------------------------------------------

MONTHS: dict[str, int] = {
    # en
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # de
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12, "okt": 10, "dez": 12, "mär": 3,
    # fr
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "janv": 1, "févr": 2, "avr": 4, "juil": 7, "déc": 12,
    # es
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    # it
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12,
    # pt
    "janeiro": 1, "fevereiro": 2, "março": 3, "maio": 5, "junho": 6, "julho": 7,
    "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
    # ru (genitive, as written in dates)
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
"""Month names and abbreviations (lower case) to month numbers, for dates as written on pages."""

MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
"""The month names of ``MONTHS`` as one alternation, longest first (no name holds a regex special character)."""

MONTH_RE = rf"(?:{MONTH_ALT})\.?"
"""One month name, optionally abbreviated with a dot."""

DATE_RE = (
    r"(?:"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\.?\s*(?:de\s+)?{MONTH_RE},?\s*(?:de\s+)?\d{{4}}"  # 22. Dezember 2019
    rf"|{MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # November 19, 2019
    rf"|{MONTH_RE}\s+\d{{4}}"  # March 2019
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}"  # 29.07.2020, 14/04/2020
    r"|\d{4}-\d{2}-\d{2}"  # 2019-08-02
    rf"|{MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?"  # Nov 12
    r")"
)
"""A calendar date in the common written forms of the covered languages."""

TIME_RE = (
    r"(?:\d{1,2}\s?[:.h]\s?\d{2}(?:[:.]\d{2})?\s*(?:min)?\s*(?:[ap]\.?m\.?)?(?:\s*uhr)?(?:\s*[A-Z]{2,4})?)"
)
"""A clock time: 6:34 am, 11:16 Uhr, 13h36, 10 h 15 min, 21.11."""

TIME_CONNECTOR_RE = r"(?:at|um|à|a las|a la|alle|às|в|o|kl\.|-|–|//|\||,)"
"""Words and marks between a date and its time: "at", "um", "à", "a las", "alle", "às", "в", "//"."""

RELATIVE_AMOUNT_RE = r"(?:\d+|an?|one|un|une|ein|eine|einem|einer)"
"""The amount of a relative date: a number, or "a", "one", "un", "ein" and their forms."""

RELATIVE_UNIT_RE = (
    r"(?:second|minute|hour|day|week|month|year|sekunde|minute|stunde|tag|woche|monat|jahr|"
    r"seconde|heure|jour|semaine|mois|an|année|segundo|minuto|hora|día|dia|semana|mes|año|ano|"
    r"secondo|ora|giorno|settimana|mese|anno)[a-zäöüéèñ]*"
)
"""The unit of a relative date, with its ending ("hours", "Tagen", "jours")."""

RELATIVE_BEFORE_RE = r"(?:vor|il y a|hace|há)\s+\d+\s+\w+"
"""A relative date written as "before N units": "vor 3 Tagen", "il y a 2 jours", "hace 3 días"."""

RELATIVE_DATE_RE = rf"{RELATIVE_AMOUNT_RE}\s+{RELATIVE_UNIT_RE}\s*(?:ago|her|ago\.)?|{RELATIVE_BEFORE_RE}"
"""Relative dates as comment widgets print them: "2 years ago", "vor 3 Tagen", "il y a 2 jours"."""

# A line that is only a date (and maybe a time), with the small words sites put around it.
DATE_LINE_BODY = (
    r"[\s\-–—|•·(]*(?:(?:posted|published|updated|modified|veröffentlicht|aktualisiert|publié|"
    r"publicado|pubblicato|am|on|le|el|il|em|den|der|at|um|à|a las|alle|às)\s*:?\s*)*"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)[a-z]*\.?,?\s*)?"
    rf"(?:{DATE_RE}|{RELATIVE_DATE_RE})"
    rf"(?:,?\s*{TIME_CONNECTOR_RE}?\s*{TIME_RE})?"
    r"[\s\-–—|•·)]*(?:permalink|link|uhr|said:?|sagte:?|#\d+|reply|antworten)?\s*[|)]?\s*"
)
"""A date line (optionally with "Posted", a time, "| Permalink"), without anchors."""

DATE_LINE_RE = rf"(?i)^(?:{DATE_LINE_BODY})$"
"""Full-line pattern of a date line."""

# --------------------------------------------------------------------------------------------------
# Comment structure
# --------------------------------------------------------------------------------------------------

SAYS_WORDS = [
    "says", "said", "writes", "wrote", "sagt", "sagte", "schreibt", "schrieb", "meint", "dit", "a dit",
    "écrit", "dice", "dijo", "escribe", "diz", "disse", "escreveu", "scrive", "ha scritto", "ha detto",
    "говорит", "пишет", "написал", "написала", "a écrit", "escribió", "schreef", "skrev", "napisał", "napisała",
    "napsal", "napísal", "kirjoitti", "írta", "yazdı", "έγραψε", "commented", "kommentierte",
]
"""Verbs that follow a commenter's name on the author line ("Jane says:", "Peter sagt:")."""

SAYS_ALT = "|".join(sorted((w.rstrip(":") for w in SAYS_WORDS), key=len, reverse=True))
"""``SAYS_WORDS`` as a regex alternation, longest first (both paths' "NAME says:" patterns build on it)."""

SAYS_LINE_RE = (
    r"(?i)^(?:#?\d{1,4}\.?\s+)?(?P<author>\S.{0,80}?)"
    rf"(?:\s+(?:on|am|le|el|il|em)\s+.{{0,60}}?)?\s+(?:{SAYS_ALT})\s*:?\s*$"
)
"""Author line of the form "[12.] NAME [on DATE] says:"; the name is captured as ``author``."""

LINE_NUMBER_RE = r"#?\d{1,4}\.?\s+"
"""A comment's number before its header line ("12. ", "#3 ")."""

WEEKDAY_RE = (
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|"
    r"sábado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica),?\s+"
    r"|(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|mo|di|mi|do|fr|sa|so)\.,?\s*"
    r"|(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun),\s*)"
)
"""A weekday before a comment's date ("Thursday, November 08, 2012", "jeudi 8 novembre 2012", "Thu, 12 Mar 2024",
"Do., 08.11.2012"): written out, or cut short with a point or a comma after it (so that no name is read as one)."""

COMMENT_DATE_RE = (
    rf"(?:{WEEKDAY_RE})?(?:{DATE_RE}|{RELATIVE_DATE_RE})(?:,?\s*{TIME_CONNECTOR_RE}?\s*{TIME_RE})?"
)
"""The date (and time) on a comment header line."""

BY_RE = r"(?:by|par|von|por|da|di|от)"
"""The word before an author's name ("by", "par", "von")."""

AUTHOR_DATE_MAX_AUTHOR = 81
"""Longest author (in characters) of an author+date line."""

AUTHOR_DATE_TAIL_RE = (
    r"\s*(?:[·|•,–—-]|\s(?:on|am|le|el|il|em)\s)?\s*"
    r"(?:(?:author|autor|autorin|auteur|admin|moderator|site owner)\s*)?"
    rf"(?P<date>{COMMENT_DATE_RE})"
    r"\s*(?:\|?\s*(?:permalink|reply|antworten|#\d+))?\s*$"
)
"""What follows the author on an author+date line: separator, role badge, date, "| Permalink"."""

AUTHOR_DATE_LINE_RE = (
    rf"(?i)^(?:{LINE_NUMBER_RE})?(?P<author>\S.{{0,{AUTHOR_DATE_MAX_AUTHOR - 1}}}?){AUTHOR_DATE_TAIL_RE}"
)
"""Author and date on one line: "Jane Doe · March 10, 2017 at 12:20 AM", "Rolf 29.07.2020 // 12:56"."""

DATE_BY_RE = rf"(?P<date>{COMMENT_DATE_RE})\s*[,|·•–—-]?\s*{BY_RE}\s+"
"""A comment date followed by "by" (the part of ``DATE_AUTHOR_LINE_RE`` before the author)."""

DATE_AUTHOR_LINE_RE = (
    rf"(?i)^(?:{LINE_NUMBER_RE})?(?:(?:posted|written|submitted|message|publié|publicado|pubblicato|"
    r"veröffentlicht|geschrieben)\s+)?(?:(?:le|on|am|el|il|em)\s+)?"
    rf"{DATE_BY_RE}(?P<author>\S.{{0,60}}?)\s*$"
)
"""Date then author on one line, as forums and SPIP print it: "le 12 mars 2019 à 10:15, par Jean"."""

BY_AUTHOR_HEAD_RE = (
    rf"^(?:{LINE_NUMBER_RE})?(?:posted|written|submitted|message|publié|publicado|pubblicato|"
    rf"veröffentlicht|geschrieben)?\s*{BY_RE}\s+"
)
"""The start of ``BY_AUTHOR_DATE_LINE_RE``, up to the author."""

BY_AUTHOR_DATE_LINE_RE = (
    rf"(?i){BY_AUTHOR_HEAD_RE}(?P<author>\S.{{0,60}}?)\s+"
    r"(?:on|le|am|el|il|em|at|um|,|-|–|·|•|\|)\s*"
    rf"(?P<date>{COMMENT_DATE_RE})\s*$"
)
"""Author then date with "by": "Posted by Jane on March 3, 2021 at 4:05 pm" (forum posts)."""

AUTHOR_BADGE_RE = r"(?i)\s*(?:\(?(?:author|autor|autorin|auteur|autore|admin|moderator|site owner)\)?)\s*$"
"""A role badge glued to an author name ("Mathias Autor"), removed from the name."""

COMMENT_COUNT_RE = (
    r"(?i)^[\[(]?\s*(?:there (?:are|is)\s+)?(?:comments\s*\[?\s*)?(?P<n>\d{1,5})\s*\]?\s*"
    r"(?:leser-?)?(?:comments?|responses?|replies|thoughts?|reactions?|kommentare?|antworten|"
    r"gedanken|reaktionen|ergänzungen|commentaires?|réactions?|comentarios?|respuestas?|commenti|"
    r"risposte|comentários?|respostas?|messages?|beiträge|комментари[а-яё]*|отзыв[а-яё]*)"
    r"(?:\s+(?:to|on|zu|zum|sur|a|para|en|su|на|к)\b.*|\s*[:.]?.*)?$"
)
"""A stated comment count: "18 Comments", "22 Responses to “…”", "45 Gedanken zu", "COMMENTS[8]", "[ 167 comments ]"."""

COMMENT_COUNT_TRAILING_RE = (
    r"(?i)^(?:comments|kommentare|commentaires|comentarios|commenti|comentários|комментарии)\s*[:(\[]?\s*"
    r"(?P<n>\d{1,5})\s*[)\]]?$"
)
"""A stated comment count written after the word: "Kommentare 8", "Comments (12)"."""

QUOTED_TITLE_RE = r"[“\"„«‘'](?P<title>.{3,300})[”\"“»’']\s*$"
"""The quoted post title inside a comment-count header ("22 Responses to “Title”")."""

COMMENT_HEADING = [
    "comments", "comment", "reader interactions", "discussion", "responses", "kommentare", "kommentar",
    "diskussion", "leserkommentare", "commentaires", "réactions", "comentarios", "comentários",
    "commenti", "комментарии", "join the discussion", "conversation",
]
"""Headings that open a comment section."""

COMMENT_FORM = [
    r"leave a (?:reply|comment)", r"post a comment", r"add (?:a|your) comment", r"write a comment",
    r"speak your mind", r"submit (?:a )?comment", r"post comment", r"comment on this article",
    r"(?:your )?e-?mail(?: address)? (?:will not|is never|wird nicht).*", r"(?:e-?mail|mail)\s*(?:\*|\(.{0,60}\))",
    r"name\s*\(?required\)?\s*\*?", r"name\s*\*", r"e-?mail\s*\*", r"mail\s*\(.*\)", r"website(?: url)?",
    r"comment\s*\*?", r"required fields are marked.*", r"notify me of .*", r"save my name.*",
    r"cancel reply", r"you must be logged in.*", r"log in to (?:reply|comment).*",
    r"schreibe einen kommentar", r"einen kommentar schreiben", r"kommentar verfassen",
    r"kommentar (?:schreiben|abgeben|hinterlassen)", r"hinterlasse einen kommentar", r"deine ergänzung",
    r"ihr kommentar\s*\*?", r"kommentar\s*\*?", r"deine e-mail-adresse wird nicht veröffentlicht.*",
    r"ihre e-mail-adresse wird nicht veröffentlicht.*", r"benachrichtige mich .*",
    r"meinen namen, (?:meine )?e-mail.*", r"die kommentarfunktion ist geschlossen\.?",
    r"comments are closed\.?", r"laisser un commentaire", r"ajouter un commentaire",
    r"votre adresse (?:e-?mail|de messagerie) ne sera pas publiée.*",
    r"deja un comentario", r"dejar un comentario", r"deja una respuesta", r"lascia un commento",
    r"deixe um comentário", r"deixe uma resposta", r"оставить комментарий", r"добавить комментарий",
    r"gib hier deinen kommentar ein.*", r"enter your comment here.*", r"senden", r"absenden",
    r"post a reply", r"join the discussion", r"be the first to comment.*", r"no comments yet.*",
    r"recipe rating", r"click here to cancel reply\.?",
]
"""Comment-form lines. Their first occurrence after the comments ends the comment section."""

COMMENT_CHROME = [
    r"reply(?:\s*↓)?", r"reply to this comment", r"antworten(?:\s*↓)?", r"antwort(?:\s*↓)?",
    r"répondre", r"répondre à ce message", r"responder", r"rispondi", r"ответить", r"report(?: comment)?",
    r"melden", r"like", r"likes?\s*\(\d+\)", r"liken\s*liken", r"likenliken", r"gefällt mir",
    r"oldest", r"newest", r"newest most voted", r"most voted", r"inline feedbacks",
    r"view all comments", r"notify of", r"guest", r"subscribe", r"login", r"log in", r"sort by.*",
    r"load more comments", r"show more comments", r"show comments", r"kommentare anzeigen",
    r"would love your thoughts, please comment\.?x?", r"\(\)", r"x", r"permalink", r"edit",
    r"flag", r"share ›",
    r"avatar(?: photo| image| of .{1,40})?", r"(?:anonymous|guest) avatar",
    r"reply\s*•\s*share\s*›?", r"quote", r"upvote", r"downvote",
    r"loading\.\.\.", r"wird geladen\.\.\.", r"lade …", r"liken lade …", r"in reply to.*",
    r"(?:pingback|trackback)\s*:.*", r"powered by disqus", r"disqus", r"comments powered by disqus\.?", r"rate this:?",
    r"delete", r"hide", r"unflag", r"flagged", r"invite(?: manually)?", r"promote", r"go to permalink",
    r"(?:un)?follow \S+(?: for .{1,40})?", r"block for .{1,40}", r"profile\s*follow\s*unfollow",
    r"x\s*dismiss\s*x\s*undismiss", r"\d+\s*reply", r"all replies", r"view (?:all )?replies",
    r"\d+ (?:replies|antworten|réponses|respuestas|risposte|respostas)", r"show (?:all )?replies",
    r"(?:upvote|downvote|vote up|vote down)\s*\d*", r"ответить\s*пожаловаться", r"пожаловаться",
    r"\[?\s*(?:read|view|see|show|load)\s+(?:all|more|the)?\s*(?:\d+\s+)?comments?\s*(?:\(\d+\))?\s*\]?",
    r"(?:lire|voir|afficher)\s+(?:les|tous les)?\s*(?:\d+\s+)?commentaires?",
    r"alle\s+(?:\d+\s+)?kommentare(?:\s+(?:lesen|anzeigen))?",
    r"kommentare\s+(?:lesen|laden)", r"(?:ver|leer|mostrar)\s+(?:los|todos los)?\s*(?:\d+\s+)?comentarios",
    r"(?:leggi|vedi|mostra)\s+(?:i|tutti i)?\s*(?:\d+\s+)?commenti",
]
"""Comment-widget controls: never part of a comment's text."""

MORE_COMMENTS_RE = (
    r"(?i)^\W*(?:(?:read|view|see|show|load)\s+(?:all|more|the)?|lire\s+(?:les|tous les)?|voir\s+(?:les|tous les)?|"
    r"afficher\s+(?:les|tous les)?|alle|(?:ver|leer|mostrar)\s+(?:los|todos los)?|(?:leggi|vedi|mostra)\s+"
    r"(?:i|tutti i)?)\s*(?:\d+\s+)?(?:comments?|commentaires?|kommentare|comentarios|commenti)\b"
)
"""A link to the whole thread under a preview of it ("Read all comments", "View all 45 comments", "Lire les 10
commentaires", "Alle Kommentare anzeigen"): the printed thread ends above it."""

# --------------------------------------------------------------------------------------------------
# Line rule families (whole-line patterns, case-insensitive)
# --------------------------------------------------------------------------------------------------

_SOCIAL = (
    r"(?:facebook|twitter|x|linkedin|pinterest|pin|reddit|whatsapp|telegram|e-?mail|email|print|tumblr|"
    r"flipboard|pocket|xing|vk|messenger|mix|yummly|flattr|digg|delicious|stumbleupon|instagram|youtube|"
    r"rss|feed|copy link|google\+?|google plus|threads|mastodon|bluesky|viber|skype|baixar|download|pint|"
    r"fb|tw|insta|ig|sc|yt)"
)

_NEWSLETTER_WORDS = (
    r"newsletter|subscribe|abonnieren|abonnez-vous|suscríbete|suscribite|iscriviti|"
    r"assine|inscreva-se|подписаться|подпишитесь|sign up for|get updates|stay updated|"
    r"jetzt abonnieren"
)
_DONATION_WORDS = (
    r"donate|donation|spenden?|faire un don|donar|donazione|doação|пожертвовать|"
    r"support us|support (?:our|independent) .{0,40}|unterstützen sie|jetzt unterstützen!?|"
    r"become a (?:patron|member|supporter)|patreon|paypal"
)
_APPEAL_WORDS = (
    r"ihr beitrag hilft|ihre unterstützung hilft|unterstützen sie (?:uns|unsere|unabhängigen)|"
    r"your (?:support|contribution|donation) (?:helps|keeps|makes)|support (?:our|independent|quality) "
    r"journalism|(?:please )?consider (?:supporting|donating)|soutenez (?:notre|le) journalisme|"
    r"apoya (?:nuestro|el) periodismo|sostieni (?:il nostro|il) giornalismo|apoie o jornalismo|"
    r"поддержите (?:нас|редакцию)"
)
_COOKIE_WORDS = r"cookies?|tracking|gdpr|dsgvo"
_COOKIE_OR_TRACKING = r"cookies?|tracking"
_COPYRIGHT_WORDS = (
    r"©|\(c\)|copyright|all rights reserved|alle rechte vorbehalten|tous droits réservés|"
    r"todos los derechos reservados|tutti i diritti riservati|todos os direitos reservados|"
    r"все права защищены"
)
_CRUMB_SEPARATOR = r"\s(?:»|›|>>?|/)\s"
_NAV_LABEL = r"(?:navigation|menu|menü)\s*:"
_NEXT_ARROW = r"»|→|›"
_CLOCK = r"\d{1,2}[.:]\d{2}"
_CAPTION_CREDIT = r"\((?:foto|photo|bild|image|picture|quelle)\s*:"

# Patterns that open with a wildcard: the regex engine reads the whole line for each of them.
_CRUMBS = rf"[^«]{{1,80}}(?:{_CRUMB_SEPARATOR}[^«]{{1,100}}){{2,}}"
_NAV_LABELLED = rf"(?:.{{0,30}}\s)?{_NAV_LABEL}.{{0,40}}"
_ENDS_WITH_ARROW = rf"[^«»]{{0,120}}(?:{_NEXT_ARROW})"
_DASH_TIME = rf".{{0,60}}\s(?:-|–|—|·|\|)\s.{{0,40}}{_CLOCK}\s*(?:uhr|am|pm)?"
_CREDIT_IN_PARENS = rf".{{0,160}}{_CAPTION_CREDIT}.{{0,60}}\)"
_NEWSLETTER_ANY = rf".{{0,60}}(?:{_NEWSLETTER_WORDS}).{{0,120}}"
_DONATION_ANY = rf".{{0,40}}(?:{_DONATION_WORDS}).{{0,120}}"
_APPEAL_ANY = rf".*(?:{_APPEAL_WORDS}).*"
_COOKIE_CONSENT = (
    rf".*(?:{_COOKIE_WORDS}).*"
    r"(?:accept|consent|agree|policy|settings|browser|website|this site|our site|use of|"
    r"zustimm|einverstanden|einwilligung|akzeptier|datenschutz|verwende|nutzung|"
    r"accepte|consent|utilis|navegación|acepta|aceptar|accetta|utilizz|aceitar|utiliza|"
    r"соглас|используем).*"
)
_WE_USE_COOKIES = (
    r".*(?:we use|wir verwenden|wir nutzen|nous utilisons|utilizamos|utilizziamo|usamos|"
    r"мы используем|this (?:site|website) uses|diese (?:website|seite) (?:verwendet|nutzt))"
    rf".*(?:{_COOKIE_OR_TRACKING}).*"
)
_COPYRIGHT_ANY = rf".{{0,80}}(?:{_COPYRIGHT_WORDS}).{{0,200}}"

RULES: dict[str, list[str]] = {
    "comment_form": COMMENT_FORM,
    "comment_chrome": COMMENT_CHROME,
    "dateline": [DATE_LINE_BODY],
    "share": [
        rf"(?:share|teilen|partager|compartir|condividi|compartilhar|поделиться|tweet|pin it!?|share it!?)"
        rf"(?:\s+(?:this|on|via|with|by|auf|sur|en|su|em)?\s*(?:story|post|article|this)?\s*{_SOCIAL}?)?\s*[:|]?",
        r"(?:share this with|share on|share via|share by|click to share on|click to email|click to print|"
        r"partager sur|compartir en|condividi su|compartilhar no)\s+.{0,40}",
        _SOCIAL,
        rf"(?:{_SOCIAL}\s*[|•·,/]?\s*){{2,}}",
        r"\d+(?:[.,]\d+)?\s*[kK]?\s*(?:shares?|teilen|partages)",
        rf"(?:follow|folgen|suivre|seguir|segui)(?:\s+(?:us|uns|nous|rt|me))?(?:\s+(?:on|auf|sur|en|su))?"
        rf"\s*:?(?:\s*{_SOCIAL})*",
        r"send it!?|yum it!?|copy this link|close share panel|read more about sharing\.?",
        r"(?:like this|gefällt mir|j'aime|me gusta|mi piace|curtir|нравится)\s*:?\s*\d*",
        r"(?:likes?|gefällt|j'aime)\s*:\s*\d+",
        rf"share to {_SOCIAL}|share to \w+",
        r"these are external links and will open in a new window",
        r"share this (?:story|article|post)(?: about sharing)?",
    ],
    "nav": [
        r"(?:skip to (?:main )?content|zum inhalt springen|aller au contenu|saltar al contenido|"
        r"vai al contenuto|pular para o conteúdo|перейти к содержанию)",
        r"(?:menu|menü|main menu|toggle (?:main )?menu|toggle navigation|navigation|search|suche|"
        r"suche nach:?|suchen|rechercher|recherche|buscar|cerca|pesquisar|поиск|home|startseite|accueil|"
        r"inicio|início|главная|close|schließen|schliessen|fermer|cerrar|chiudi|expand search form|"
        r"search submit|log ?in|sign in|sign up|register|anmelden|registrieren|mein konto|my account|"
        r"se connecter|connexion|iniciar sesión|accedi|entrar|войти|toggle dark mode|toggle search|"
        r"submit|go|ok|top|back to top|nach oben|zurück nach oben|haut de page|volver arriba|torna su)",
        r"(?:menu|menü)\s+.{0,40}",
        r"(?:home|startseite|accueil|inicio|início|главная)\s*(?:[»>/|›]|>>).*",
        _CRUMBS,
        r"you are here:?.*|sie sind hier:?.*",
        _NAV_LABELLED,
        r"switch to the .{1,30} edition|skip to .{1,40}|jump to .{1,40}",
    ],
    "pagination": [
        r"(?:«|←|‹)\s*[^«»]{0,120}",
        _ENDS_WITH_ARROW,
        r"(?:previous|next|older|newer|vorheriger|nächster|vorige|nächste|précédent|suivant|anterior|"
        r"siguiente|próximo|precedente|successivo|предыдущая|следующая)"
        r"(?:\s+(?:post|article|beitrag|artikel|story|entry|page|seite))?\s*:?.{0,200}",
        r"(?:post|beitrags)[ -]?navigation|beitragsnavigation|navigation des articles",
    ],
    "related": [
        r"(?:related|similar|recommended|more)\s+(?:posts?|articles?|stories|reading|news|content)\s*[:.…]*",
        r"(?:related|verwandt|similar|ähnlich|relacionados|correlati|liés|relacionadas|похожие)",
        r"(?:you (?:may|might) also (?:want to )?(?:like|enjoy|read|check (?:these|this) out)|you may be interested in|"
        r"more on (?:the|this) topic|more from .{1,40}|more stories|popular (?:posts|articles|stories)|"
        r"most (?:read|popular|viewed)|trending(?: now)?|recent posts|latest posts|latest news|top stories|"
        r"editor'?s picks|don'?t miss|what to read next)\s*[:.…]*",
        r"(?:ähnliche beiträge|ähnliche artikel|verwandte artikel|das könnte (?:sie|dich) auch interessieren|"
        r"mehr zum thema|weitere artikel|auch interessant|neueste beiträge|neueste kommentare|"
        r"unsere lesetipps|meistgelesen|beliebte beiträge|empfohlene artikel|mehr über:?.*)\s*[:.…]*",
        r"(?:você pode gostar|voce pode gostar|vous aimerez aussi|potrebbe piacerti|te puede gustar|"
        r"you might like|you may like|more like this|recommended for you|auch auf .{1,30}|"
        r"articles similaires|sur le même sujet|"
        r"artículos relacionados|te puede interesar|articoli correlati|potrebbe interessarti|"
        r"artigos relacionados|похожие статьи|по теме)\s*[:.…]*",
        r"(?:in\s+\"[^\"]{1,60}\"|in “[^”]{1,60}”)",
    ],
    "taxonomy": [
        r"(?:tags?|topics?|categories|category|schlagwörter|schlagworte|stichwörter|kategorien|kategorie|"
        r"themen|étiquettes|mots-clés|catégories|rubriques?|etiquetas|categorías|categorias|argomenti|"
        r"categorie|теги|метки|рубрики?)\s*:.{0,300}",
        r"(?:tags|topics|categories|schlagwörter|schlagworte|kategorien|étiquettes|etiquetas|categorie|"
        r"теги|related topics|more about|mehr über)\s*:?",
        r"(?:filed (?:under|to)|posted in|tagged(?: with)?|getaggt mit|veröffentlicht in|archivado en|"
        r"publié dans|pubblicato in|kategorien\S)\s*:?.{0,300}",
        r"(?:this (?:entry|post) was posted in|dieser eintrag wurde veröffentlicht in).*",
        r"bookmark the permalink\.?.*",
    ],
    "byline": [
        r"(?:by|von|par|por|от|автор:?|text:|texte:|texto:)\s+\S.{0,60}",
        r"(?:posted|published|written|geschrieben|veröffentlicht|publié|publicado|pubblicato)\s+"
        r"(?:by|on|at|von|am|le|par|por|el|em|da|il)?.{0,120}",
        _DASH_TIME,
        r"\d+\s*(?:min(?:ute)?s?\.?|minuten)\s*(?:read|lesezeit|de lecture|de lectura|di lettura)",
        r"(?:lesezeit|reading time|temps de lecture|tiempo de lectura)\s*:?.{0,20}",
        r"(?:updated|aktualisiert|mis à jour|actualizado|aggiornato|atualizado|last modified on)\s*:?.{0,80}",
        r"(?:about the author|über den autor(?:/ die autorin)?|über die autorin|à propos de l'auteur|"
        r"sobre el autor|sull'autore|sobre o autor|об авторе|published by|view all posts by.*)",
        r"(?:redaktion|editorial)(?:\s+.{0,40})?",
        r"\d[\d.,]*\s*(?:views|aufrufe|vues|visitas|letture|visualizações|просмотр[а-я]*|letture)",
    ],
    "caption": [
        r"(?:photo|foto|image|bild|picture|photograph|quelle|source|fuente|fonte|crédit|credit|"
        r"illustration|grafik|fotografía|immagine|imagem|фото|источник)s?\s*(?:credit)?\s*[:©].{0,200}",
        r"(?:image|media)\s*(?:copyright|caption).{0,300}",
        r"(?:getty images|afp|reuters|ap photo|dpa|epa|shutterstock|istock|imago)(?:\s*/.{0,60})?",
        r"\(?(?:bild|foto|photo|image|picture)(?:\s*:|\s+by|\s+von|\s+de|\s+par)\s.{0,80}\)?",
        r"(?:illustrative image|illustration image|symbolbild|archivbild|image d'illustration|"
        r"imagen ilustrativa|immagine di repertorio|file photo:?.*)",
        _CREDIT_IN_PARENS,
        r"media playback is unsupported on your device|media caption.{0,200}",
    ],
    "readmore": [
        r"(?:read (?:more|also|next|the full story)|see also|continue reading|lesen sie (?:auch|mehr)|"
        r"weiterlesen|mehr lesen|lire (?:aussi|la suite)|à lire aussi|voir aussi|leer más|lee también|"
        r"leggi (?:anche|tutto)|leia (?:também|mais)|veja também|читайте также|читать далее)\s*[:»›→.…]*",
        r"(?:advertisement|advertising|anzeige|werbung|publicité|publicidad|pubblicità|publicidade|реклама|"
        r"sponsored|gesponsert|ad|ads)",
    ],
    "newsletter": [
        _NEWSLETTER_ANY,
        r"(?:enter your email|your email address|e-?mail-adresse|adresse e-?mail|correo electrónico)\s*\*?",
        r"(?:receive|get) (?:new|our|the latest) (?:posts|articles|stories|news).{0,80}",
        r"(?:jetzt|hier)\s.{0,40}(?:anmelden|registrieren)|anmelden und weiterlesen|anmelden registrieren",
        r"(?:sign up|log ?in|register)(?: now)?(?: to .{0,60})?!?",
    ],
    "donation": [
        _DONATION_ANY,
        r"support\s+\S{2,40}",
        r"\d+\s+days? left.{0,80}",
        r"[\d.,]+\s*[$€£]|[$€£]\s*[\d.,]+|(?:\d+\s*[$€£]\s*){2,}",
        r"(?:anderer betrag|other amount|autre montant|otro importe)",
    ],
    "appeal": [
        _APPEAL_ANY,
    ],
    "embed": [
        r"empfohlene[rn]? (?:redaktionelle[rn]? |externe[rn]? )+inhalte?",
        r"externer? inhalte?(?: \S+){0,2}",
        r"an dieser stelle (?:finden sie|findest du|folgt|steht|wird) .{0,80}(?:externe[nr]? inhalte?|inhalte? von|"
        r"\S+-inhalte?).{0,300}",
        r"ich bin damit einverstanden, dass mir .{0,80}inhalte? .{0,300}",
        r"personenbezogene daten können an drittplattformen übermittelt werden.{0,200}",
        r"(?:\S+-)?inhalte? (?:erlauben|zulassen|laden|anzeigen|aktivieren|einblenden)",
        r"link zum \S+-inhalt",
        r"(?:recommended )?(?:external|third[- ]party|embedded) content(?: \S+){0,2}",
        r"(?:allow|load|show|enable|display) (?:external |third[- ]party |embedded )?content(?: from \S+(?: \S+)?)?",
        r"i (?:agree|consent) (?:that|to) .{0,80}(?:external|third[- ]party|embedded) content.{0,300}",
        r"click (?:here )?to (?:load|show|display|allow|view) (?:the |this )?(?:external |embedded )?"
        r"(?:content|video|embed|post|tweet).{0,120}",
        r"contenus? (?:externes?|tiers)(?: \S+){0,2}", r"j'accepte .{0,60}contenus? (?:externes?|tiers).{0,300}",
        r"contenidos? externos?(?: \S+){0,2}", r"acepto .{0,60}contenidos? (?:externos?|de terceros).{0,300}",
        r"contenut[oi] estern[oi](?: \S+){0,2}", r"accetto .{0,60}contenut[oi] (?:estern[oi]|di terze parti).{0,300}",
    ],
    "cookie": [
        _COOKIE_CONSENT,
        _WE_USE_COOKIES,
        r"(?:accept|accept all|reject all|manage cookies|cookie settings|alle akzeptieren|akzeptieren|"
        r"ablehnen|tout accepter|aceptar todo|accetta tutti|aceitar todos|принять)",
    ],
    "footer": [
        _COPYRIGHT_ANY,
        r"(?:impressum|imprint|about us|über uns|contact(?: us)?|kontakt|terms of (?:use|service)|"
        r"privacy|agb|nutzungsbedingungen|mentions légales|contacto|aviso legal|chi siamo|contatti|"
        r"sobre nós|contato|контакты|sitemap|advertise|werbung|jobs|careers|faq|help|hilfe|"
        r"ad choices|accessibility)",
        r"(?:proudly )?powered by .{1,60}|theme by .{1,60}|built with .{1,40}",
    ],
}
"""Whole-line patterns per rule family. Order matters: the first family that matches wins."""

RULE_REQUIRES: dict[str, str] = {
    _CRUMBS: _CRUMB_SEPARATOR,
    _NAV_LABELLED: _NAV_LABEL,
    _ENDS_WITH_ARROW: _NEXT_ARROW,
    _DASH_TIME: _CLOCK,
    _CREDIT_IN_PARENS: _CAPTION_CREDIT,
    _NEWSLETTER_ANY: _NEWSLETTER_WORDS,
    _DONATION_ANY: _DONATION_WORDS,
    _APPEAL_ANY: _APPEAL_WORDS,
    _COOKIE_CONSENT: _COOKIE_WORDS,
    _WE_USE_COOKIES: _COOKIE_OR_TRACKING,
    _COPYRIGHT_ANY: _COPYRIGHT_WORDS,
}
"""For patterns that open with a wildcard: a regex that every line they match contains (a part
the pattern cannot match without). One search for all of them, anywhere in the line and
case-insensitive, picks the few lines worth running these patterns on."""


RULE_ORDER: list[str] = [
    "comment_form", "comment_chrome", "cookie", "share", "nav", "pagination", "related", "taxonomy",
    "caption", "readmore", "newsletter", "donation", "appeal", "embed", "footer", "dateline", "byline",
]
"""Families in the order they are tried (``template`` and ``profile`` come first, see boilerplate)."""

RULE_MAX_CHARS: dict[str, int] = {
    "share": 120, "readmore": 60, "nav": 260, "pagination": 220, "related": 160, "taxonomy": 400, "byline": 140,
    "caption": 320, "newsletter": 200, "donation": 200, "appeal": 400, "embed": 400, "cookie": 600, "footer": 300,
    "comment_form": 300, "comment_chrome": 300, "dateline": 120,
}
"""Longest line each family may strip: a long line is prose, whatever words it contains."""

PROSE_GUARDED: frozenset[str] = frozenset({"newsletter", "donation", "footer", "byline", "share", "related"})
"""Families that never strip a prose sentence (12+ words ending in . ! ? or a quote)."""

STRONG_BREAKS: frozenset[str] = frozenset(
    {"related", "comment_form", "footer", "newsletter", "cookie", "taxonomy", "pagination"}
)
"""Families whose lines end an article body: the body never spans across them."""
