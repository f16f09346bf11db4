/// The v1 event kinds (domain.md §2), and what each may act on.
public enum EventKind: String, Sendable, CaseIterable {
    case entityProfiled = "entity.profiled"
    case entityDeregistered = "entity.deregistered"
    case licenseGranted = "license.granted"
    case licenseEnded = "license.ended"
    case penaltyImposed = "penalty.imposed"
    case penaltyFulfilled = "penalty.fulfilled"
    case adminAction = "admin.action"
    case commitmentMade = "commitment.made"
    case commitmentFulfilled = "commitment.fulfilled"
    case commitmentBreached = "commitment.breached"
    case listEntered = "list.entered"
    case listExited = "list.exited"
    case warningIssued = "warning.issued"
    case interviewRecorded = "interview.recorded"
    case banImposed = "ban.imposed"
    case banLifted = "ban.lifted"
    case objectionFiled = "objection.filed"
    case objectionResolved = "objection.resolved"
    case recordCorrected = "record.corrected"
    case recordRevoked = "record.revoked"
    case repairApplied = "repair.applied"
    case repairAccepted = "repair.accepted"
    case repairGranted = "repair.granted"
    case repairRejected = "repair.rejected"
    case repairRevoked = "repair.revoked"
    case gradeAssessed = "grade.assessed"
    /// A repair decision's deadline extended (NDRC Order 36 Art. 16; SAMR Order 107 Art. 16: +10 working days).
    case repairExtended = "repair.extended"
    /// Negative information temporarily shielded on a court's ruling on bankruptcy
    /// reorganisation or settlement (NDRC Order 36 Art. 20; SAMR Order 107 Art. 22).
    case shieldingStarted = "shielding.started"
    /// The shielding ends: the plan completed, or failed and the information is restored.
    case shieldingEnded = "shielding.ended"

    /// How many `refs` an event of this kind carries, and which kinds they may point to.
    public struct RefRule: Sendable {
        public let minimum: Int
        public let maximum: Int
        public let targets: Set<EventKind>
    }

    /// Kinds that are records of their own: what objections, corrections and revocations
    /// act on, and what listings and bans may rest on.
    public static let recordKinds: Set<EventKind> = [
        .entityProfiled, .licenseGranted, .penaltyImposed, .adminAction, .commitmentMade, .commitmentBreached,
        .listEntered, .warningIssued, .interviewRecorded, .banImposed, .gradeAssessed,
    ]

    /// Negative records a repair may be applied for (domain.md §4, "Repair").
    public static let repairableKinds: Set<EventKind> = [.penaltyImposed, .adminAction, .commitmentBreached, .listEntered]

    /// What a repair revoked for fraud undoes: a granted repair, or an exit from a list
    /// (SAMR Order 107 Art. 23; Order 44 Art. 20).
    public static let fraudTargets: Set<EventKind> = [.repairGranted, .listExited]

    public var refRule: RefRule {
        switch self {
        case .entityProfiled, .entityDeregistered, .licenseGranted, .penaltyImposed, .commitmentMade, .gradeAssessed, .shieldingStarted:
            return RefRule(minimum: 0, maximum: 0, targets: [])
        // A spot-check result names the penalties or listings it is tied to (SAMR Order 107 Art. 10).
        case .adminAction: return RefRule(minimum: 0, maximum: 32, targets: [.penaltyImposed, .listEntered])
        case .licenseEnded: return RefRule(minimum: 1, maximum: 1, targets: [.licenseGranted])
        case .penaltyFulfilled: return RefRule(minimum: 1, maximum: 1, targets: [.penaltyImposed])
        case .commitmentFulfilled, .commitmentBreached: return RefRule(minimum: 1, maximum: 1, targets: [.commitmentMade])
        case .listEntered: return RefRule(minimum: 0, maximum: 32, targets: Self.recordKinds)
        case .listExited: return RefRule(minimum: 1, maximum: 1, targets: [.listEntered])
        case .warningIssued, .interviewRecorded: return RefRule(minimum: 0, maximum: 1, targets: Self.recordKinds)
        case .banImposed: return RefRule(minimum: 0, maximum: 32, targets: Self.recordKinds)
        case .banLifted: return RefRule(minimum: 1, maximum: 1, targets: [.banImposed])
        case .objectionFiled, .recordCorrected, .recordRevoked: return RefRule(minimum: 1, maximum: 1, targets: Self.recordKinds)
        case .objectionResolved: return RefRule(minimum: 1, maximum: 1, targets: [.objectionFiled])
        case .repairApplied: return RefRule(minimum: 1, maximum: 1, targets: Self.repairableKinds)
        case .repairAccepted, .repairGranted, .repairRejected: return RefRule(minimum: 1, maximum: 1, targets: [.repairApplied])
        case .repairRevoked: return RefRule(minimum: 1, maximum: 1, targets: Self.fraudTargets)
        case .repairExtended: return RefRule(minimum: 1, maximum: 1, targets: [.repairApplied])
        case .shieldingEnded: return RefRule(minimum: 1, maximum: 1, targets: [.shieldingStarted])
        }
    }
}
