//! The text catalogue. English originals are imip-agent 0.3's texts.

use super::Lang;

/// Every translatable text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// Subject of generated messages.
    Subject,
    /// Preamble of multipart messages.
    MultipartPreamble,
    /// Notification: REQUEST.
    InvitationReceived,
    /// Notification: CANCEL.
    CancellationReceived,
    /// Notification: PUBLISH.
    DetailsReceived,
    /// Notification: ADD.
    AdditionReceived,
    /// Notification: REPLY.
    ReplyReceived,
    /// Notification: COUNTER.
    CounterReceived,
    /// Notification: DECLINECOUNTER.
    CounterDeclined,
    /// Notification: REFRESH passed on.
    RefreshReceived,
    /// Notification: free/busy PUBLISH.
    FreeBusyUpdate,
    /// Notification: free/busy REPLY.
    FreeBusyReply,
    /// Manager link sentence (followed by the URL).
    ManagerLink,
    /// Resource: accepted.
    Scheduled,
    /// Resource: declined for a conflict.
    Unavailable,
    /// Resource: counter-proposal.
    Suggested,
    /// Resource: delegated.
    DelegatedPeriod,
    /// Resource: refused by policy.
    Refused,
    /// Resource: no quota.
    NoQuota,
    /// Resource: quota exceeded.
    QuotaExceeded,
    /// Resource: awaiting approval.
    AwaitingApproval,
    /// Resource: the request is invalid (no period, too many occurrences…).
    InvalidRequest,
    /// Resource: misconfigured policy.
    Misconfigured,
    /// Resource: some occurrences declined.
    SomeOccurrencesDeclined,
    /// Resource: outside the permitted booking window/hours/duration.
    OutsidePolicy,
    /// Label before the reason detail.
    ReasonLabel,
    /// Owner notification: approval requested.
    ApprovalRequested,
}

impl Text {
    /// All texts.
    pub const ALL: &'static [Text] = &[
        Text::Subject,
        Text::MultipartPreamble,
        Text::InvitationReceived,
        Text::CancellationReceived,
        Text::DetailsReceived,
        Text::AdditionReceived,
        Text::ReplyReceived,
        Text::CounterReceived,
        Text::CounterDeclined,
        Text::RefreshReceived,
        Text::FreeBusyUpdate,
        Text::FreeBusyReply,
        Text::ManagerLink,
        Text::Scheduled,
        Text::Unavailable,
        Text::Suggested,
        Text::DelegatedPeriod,
        Text::Refused,
        Text::NoQuota,
        Text::QuotaExceeded,
        Text::AwaitingApproval,
        Text::InvalidRequest,
        Text::Misconfigured,
        Text::SomeOccurrencesDeclined,
        Text::OutsidePolicy,
        Text::ReasonLabel,
        Text::ApprovalRequested,
    ];
}

pub(super) fn lookup(lang: Lang, t: Text) -> Option<&'static str> {
    use Text::*;
    Some(match lang {
        Lang::En => match t {
            Subject => "Calendar system message",
            MultipartPreamble => {
                "This message contains several different parts, one of which will contain calendar information that will only be understood by a suitable program."
            }
            InvitationReceived => "An event invitation has been received.",
            CancellationReceived => "An event cancellation has been received.",
            DetailsReceived => "Details of an event have been received.",
            AdditionReceived => "An addition to an event has been received.",
            ReplyReceived => "A reply to an event invitation has been received.",
            CounterReceived => "A counter proposal to an event invitation has been received.",
            CounterDeclined => "Your counter proposal to an event invitation has been declined.",
            RefreshReceived => "A request for updated event details has been received.",
            FreeBusyUpdate => "A free/busy update has been received.",
            FreeBusyReply => "A reply to a free/busy request has been received.",
            ManagerLink => {
                "If your mail program cannot handle this message, you may view the details here:"
            }
            Scheduled => "The recipient has scheduled the requested period.",
            Unavailable => "The recipient is unavailable in the requested period.",
            Suggested => "The recipient has suggested a different period.",
            DelegatedPeriod => "The recipient has delegated the requested period.",
            Refused => "The recipient has refused to schedule the requested period.",
            NoQuota => "You have no quota allocation for the recipient.",
            QuotaExceeded => "The event period exceeds your quota allocation for the recipient.",
            AwaitingApproval => {
                "The request has been received and awaits approval by the recipient's manager."
            }
            InvalidRequest => "The request cannot be scheduled as it stands.",
            Misconfigured => {
                "The recipient cannot decide on requests at the moment because its scheduling policy is misconfigured."
            }
            SomeOccurrencesDeclined => {
                "The recipient has scheduled the requested period except for the occurrences marked as declined."
            }
            OutsidePolicy => "The requested period is outside what the recipient allows.",
            ReasonLabel => "Reason:",
            ApprovalRequested => "A booking request needs your approval.",
        },
        Lang::De => match t {
            Subject => "Kalender-Systemnachricht",
            MultipartPreamble => {
                "Diese Nachricht besteht aus mehreren Teilen, von denen einer Kalenderinformationen enthält, die nur ein geeignetes Programm versteht."
            }
            InvitationReceived => "Eine Einladung zu einem Termin ist eingegangen.",
            CancellationReceived => "Die Absage eines Termins ist eingegangen.",
            DetailsReceived => "Angaben zu einem Termin sind eingegangen.",
            AdditionReceived => "Eine Ergänzung zu einem Termin ist eingegangen.",
            ReplyReceived => "Eine Antwort auf eine Termineinladung ist eingegangen.",
            CounterReceived => "Ein Gegenvorschlag zu einer Termineinladung ist eingegangen.",
            CounterDeclined => "Ihr Gegenvorschlag zu einer Termineinladung wurde abgelehnt.",
            RefreshReceived => "Eine Anfrage nach aktuellen Termindetails ist eingegangen.",
            FreeBusyUpdate => "Aktualisierte Frei/Gebucht-Informationen sind eingegangen.",
            FreeBusyReply => "Eine Antwort auf eine Frei/Gebucht-Anfrage ist eingegangen.",
            ManagerLink => {
                "Falls Ihr E-Mail-Programm diese Nachricht nicht verarbeiten kann, finden Sie die Einzelheiten hier:"
            }
            Scheduled => "Der Empfänger hat den angefragten Zeitraum eingeplant.",
            Unavailable => "Der Empfänger ist im angefragten Zeitraum nicht verfügbar.",
            Suggested => "Der Empfänger hat einen anderen Zeitraum vorgeschlagen.",
            DelegatedPeriod => "Der Empfänger hat den angefragten Zeitraum weitergeleitet.",
            Refused => "Der Empfänger lehnt es ab, den angefragten Zeitraum einzuplanen.",
            NoQuota => "Sie haben kein Kontingent für den Empfänger.",
            QuotaExceeded => "Der Termin überschreitet Ihr Kontingent für den Empfänger.",
            AwaitingApproval => {
                "Die Anfrage ist eingegangen und wartet auf die Genehmigung durch die verantwortliche Person."
            }
            InvalidRequest => "Die Anfrage kann in dieser Form nicht eingeplant werden.",
            Misconfigured => {
                "Der Empfänger kann derzeit nicht entscheiden, weil seine Planungsregeln fehlerhaft eingerichtet sind."
            }
            SomeOccurrencesDeclined => {
                "Der Empfänger hat den angefragten Zeitraum eingeplant, ausgenommen die als abgelehnt markierten Termine."
            }
            OutsidePolicy => {
                "Der angefragte Zeitraum liegt außerhalb dessen, was der Empfänger zulässt."
            }
            ReasonLabel => "Grund:",
            ApprovalRequested => "Eine Buchungsanfrage wartet auf Ihre Genehmigung.",
        },
        Lang::Da => match t {
            Subject => "Meddelelse fra kalendersystemet",
            MultipartPreamble => {
                "Denne meddelelse består af flere dele, hvoraf én indeholder kalenderoplysninger, som kun kan forstås af et egnet program."
            }
            InvitationReceived => "En invitation til en begivenhed er modtaget.",
            CancellationReceived => "En aflysning af en begivenhed er modtaget.",
            DetailsReceived => "Oplysninger om en begivenhed er modtaget.",
            AdditionReceived => "En tilføjelse til en begivenhed er modtaget.",
            ReplyReceived => "Et svar på en invitation er modtaget.",
            CounterReceived => "Et modforslag til en invitation er modtaget.",
            CounterDeclined => "Dit modforslag til en invitation er blevet afvist.",
            RefreshReceived => {
                "En anmodning om opdaterede oplysninger om en begivenhed er modtaget."
            }
            FreeBusyUpdate => "En opdatering af ledig/optaget-oplysninger er modtaget.",
            FreeBusyReply => "Et svar på en ledig/optaget-forespørgsel er modtaget.",
            ManagerLink => {
                "Hvis dit e-mailprogram ikke kan håndtere denne meddelelse, kan du se oplysningerne her:"
            }
            Scheduled => "Modtageren har planlagt den ønskede periode.",
            Unavailable => "Modtageren er ikke ledig i den ønskede periode.",
            Suggested => "Modtageren har foreslået en anden periode.",
            DelegatedPeriod => "Modtageren har uddelegeret den ønskede periode.",
            Refused => "Modtageren har afvist at planlægge den ønskede periode.",
            NoQuota => "Du har ingen kvote hos modtageren.",
            QuotaExceeded => "Begivenhedens periode overskrider din kvote hos modtageren.",
            AwaitingApproval => {
                "Anmodningen er modtaget og afventer godkendelse fra modtagerens ansvarlige."
            }
            InvalidRequest => "Anmodningen kan ikke planlægges, som den er.",
            Misconfigured => {
                "Modtageren kan ikke tage stilling til anmodninger lige nu, fordi dens planlægningsregler er fejlkonfigurerede."
            }
            SomeOccurrencesDeclined => {
                "Modtageren har planlagt den ønskede periode, bortset fra de forekomster, der er markeret som afvist."
            }
            OutsidePolicy => "Den ønskede periode ligger uden for det, modtageren tillader.",
            ReasonLabel => "Årsag:",
            ApprovalRequested => "En bookingforespørgsel afventer din godkendelse.",
        },
        Lang::Nb => match t {
            Subject => "Melding fra kalendersystemet",
            MultipartPreamble => {
                "Denne meldingen består av flere deler, der én inneholder kalenderinformasjon som bare kan forstås av et egnet program."
            }
            InvitationReceived => "En invitasjon til en hendelse er mottatt.",
            CancellationReceived => "En avlysning av en hendelse er mottatt.",
            DetailsReceived => "Detaljer om en hendelse er mottatt.",
            AdditionReceived => "Et tillegg til en hendelse er mottatt.",
            ReplyReceived => "Et svar på en invitasjon er mottatt.",
            CounterReceived => "Et motforslag til en invitasjon er mottatt.",
            CounterDeclined => "Motforslaget ditt til en invitasjon er avslått.",
            RefreshReceived => "En forespørsel om oppdaterte detaljer om en hendelse er mottatt.",
            FreeBusyUpdate => "En oppdatering av ledig/opptatt-informasjon er mottatt.",
            FreeBusyReply => "Et svar på en ledig/opptatt-forespørsel er mottatt.",
            ManagerLink => {
                "Hvis e-postprogrammet ditt ikke kan håndtere denne meldingen, kan du se detaljene her:"
            }
            Scheduled => "Mottakeren har satt av den forespurte perioden.",
            Unavailable => "Mottakeren er ikke ledig i den forespurte perioden.",
            Suggested => "Mottakeren har foreslått en annen periode.",
            DelegatedPeriod => "Mottakeren har delegert den forespurte perioden.",
            Refused => "Mottakeren har avslått å sette av den forespurte perioden.",
            NoQuota => "Du har ingen kvote hos mottakeren.",
            QuotaExceeded => "Hendelsens periode overskrider kvoten din hos mottakeren.",
            AwaitingApproval => {
                "Forespørselen er mottatt og venter på godkjenning fra mottakerens ansvarlige."
            }
            InvalidRequest => "Forespørselen kan ikke settes av slik den er.",
            Misconfigured => {
                "Mottakeren kan ikke ta stilling til forespørsler nå fordi reglene for planlegging er feil satt opp."
            }
            SomeOccurrencesDeclined => {
                "Mottakeren har satt av den forespurte perioden, bortsett fra forekomstene som er merket som avslått."
            }
            OutsidePolicy => "Den forespurte perioden er utenfor det mottakeren tillater.",
            ReasonLabel => "Årsak:",
            ApprovalRequested => "En bookingforespørsel venter på din godkjenning.",
        },
    })
}
