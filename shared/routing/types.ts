/**
 * Types of procedure routing: which approval stages an application goes through, with which deadlines and on
 * which legal basis, decided by the rule set in force on its filing date (`route.ts`, rules in `rules/*.json`).
 * Pure data: the workflow (`workflows/`) reads a `Route` and turns each stage into an inbox task.
 */
import type { Enquiry } from '#shared/enquiry/schema.ts';

/** 'confirmed': a source says so; 'uncertain': a draft, a summary or one page; 'unknown': no source. */
export type Confidence = 'confirmed' | 'uncertain' | 'unknown';

export interface LegalBasis {
  /** 'Law 143/2025/QH15', 'Decree 31/2021/ND-CP as amended by Decree 19/2025/ND-CP'. */
  instrument: string;
  /** 'Art. 24(3)'. */
  article?: string;
  /** YYYY-MM-DD. */
  validFrom: string;
  /** YYYY-MM-DD inclusive; absent while in force. */
  validTo?: string;
  /** URLs (from DOMAIN-FACTS.md). */
  sources: string[];
  confidence: Confidence;
  /** YYYY-MM-DD the rule was last checked against its sources. */
  checkedOn: string;
  note?: string;
}

/** Who works an inbox task. */
export type OfficialRole = 'zone-board-officer' | 'environment-officer' | 'provincial-officer';

export type StageKind =
  | 'routing-review'
  | 'policy-approval-opinions'
  | 'policy-approval'
  | 'irc'
  | 'special-procedure'
  | 'eia-appraisal'
  | 'environmental-licence';

export interface Deadline {
  /** null when no source gives it (never guessed). */
  amount: number | null;
  /** Exactly as the law prints it. */
  unit: 'working-days' | 'days';
  /** 'complete dossier received', 'policy approval issued', ... */
  startsWhen: string;
  /** ['investor revising the dossier', 'awaiting investor information']. */
  pausesWhile: string[];
  confidence: Confidence;
  legalBasis: LegalBasis;
}

export interface RouteStage {
  /** Stable within a route: 'policy-opinions', 'irc', ... */
  id: string;
  kind: StageKind;
  title: { vi: string; en: string };
  /** Id in the authorities registry (`authorities.ts`). */
  authority: string;
  /** Who works the inbox task. */
  role: OfficialRole;
  /** 'zone': the matched zone's id is the inbox scope; 'province': the scope is 'province'. */
  scope: 'zone' | 'province';
  /** Stages run in ascending order; stages with the same order run in parallel. */
  order: number;
  deadline: Deadline;
  legalBasis: LegalBasis;
  /** Escalation target when the deadline passes. */
  supervisorRole: OfficialRole;
}

export type InvestorType = 'foreign' | 'foreign-majority' | 'domestic' | 'unknown';
export type LocationKind = 'kcn' | 'ccn' | 'economic-zone' | 'outside' | 'unknown';
export type LandRoute = 'sublease' | 'state-lease';
export type EnvironmentalGroup = 'I' | 'II' | 'III' | 'IV' | 'unknown';

/** What routing read from the enquiry, the matched site and the input, kept on the route for the record. */
export interface RoutingTriggers {
  investorType: InvestorType;
  /** How the investor type was decided: 'foreign-registration', 'ownership-percent', 'declared-nationality'. */
  investorTypeBasis: string;
  location: LocationKind;
  /** The matched zone's id and kind as given; null outside zones. */
  zone: { id: string; kind: string } | null;
  landRoute: LandRoute | 'unknown';
  vsic: { code: string; version: string };
  /** Decree 08/2022 Appendix II production type and capacity as declared; absent when not on the list. */
  production?: { type: string; capacity?: number; unit?: string };
  /** 'large' | 'medium' | 'below-medium' | 'unknown' (when a threshold or the capacity is missing). */
  capacityClass?: 'large' | 'medium' | 'below-medium' | 'unknown';
  sensitiveFactors: string[];
  wastewaterM3PerDay: number;
  hazardousWaste: boolean;
  /** Whether a domestic investor asked for an IRC (RoutingInput.ircRequested; absent = not asked). */
  ircRequested: boolean;
  /** Whether the site's commune is a border, island or coastal one, when the rule set asks (else absent). */
  borderOrCoastalCommune?: boolean | 'unknown';
  /** The investor's election of the special investment procedure and what the rule set made of it. */
  specialProcedure: 'not-requested' | 'requested-eligible' | 'requested-ineligible' | 'requested-unknown';
}

export interface RouteEnvironment {
  group: EnvironmentalGroup;
  /** For Group II, the point of Law 72/2020 Art. 28(4): 'a' (licence only) or 'c-e' (EIA). */
  groupPoint?: 'a' | 'c-e';
  eia: boolean | 'unknown';
  licence: boolean | 'unknown';
  /** Authority id of who appraises the EIA / grants the licence, or 'unknown'. */
  appraiser: string | 'unknown';
  legalBasis: LegalBasis[];
}

export interface Route {
  /** 'law-61-2020' | 'law-143-2025'. */
  ruleSetId: string;
  /** YYYY-MM-DD (Vietnam date) that chose the rule set. */
  filedOn: string;
  /** 'standard' for a decided route; a candidate's id ('policy-approval', 'direct-irc', ...) otherwise. */
  pathId: string;
  triggers: RoutingTriggers;
  environment: RouteEnvironment;
  /** In order; a review route has the single 'routing-review' stage. */
  stages: RouteStage[];
  /**
   * Present exactly while the route awaits a provincial official (stages = the single 'routing-review'):
   * each reason names an unknown. `applyReviewDecision` replaces the route and drops it.
   */
  review?: { reasons: string[] };
  /** Present once an official has picked the path of a review route: who, why, and what was unknown. */
  decidedBy?: {
    officialId: string;
    reason: string;
    candidateId: string;
    decidedAt: string;
    reviewReasons: string[];
  };
  /** The rules that produced this route. */
  legalBasis: LegalBasis[];
}

export interface RoutingInput {
  enquiry: Enquiry;
  /**
   * null: outside zones. landRoute 'sublease': from the zone's infrastructure developer; 'state-lease': leased
   * from the State without auction or bidding.
   */
  site: { zoneId: string; zoneKind: string; landRoute: LandRoute } | null;
  /** The land route of a project outside zones (site null); absent there = unknown, an official decides. */
  landRoute?: LandRoute;
  /** Whether the site's commune is a border, island or coastal commune (asked by Law 61/2020 Art. 32). */
  borderOrCoastalCommune?: boolean;
  /** The investor elects the special investment procedure (absent = not elected). */
  specialProcedureRequested?: boolean;
  /** YYYY-MM-DD, the Vietnam date the dossier was filed. */
  filedOn: string;
  /** Share of charter capital held by foreign investors; decides 'foreign-majority' for a VN enterprise. */
  foreignOwnershipPercent?: number;
  /** A domestic investor's request for an IRC (optional for them); absent = not requested. */
  ircRequested?: boolean;
  /** Sensitive environmental factors (Law 72/2020 Art. 28) known for the site; absent = none declared. */
  sensitiveFactors?: string[];
}

/** A path an official may pick for a review route: a full route, with what it assumes. */
export interface CandidateRoute {
  id: string;
  description: string;
  /** What this candidate takes to be true where the input or a rule was unknown. */
  assumes: string[];
  route: Route;
}

/** The official's choice for a route under review. */
export interface ReviewDecision {
  candidateId: string;
  officialId: string;
  /** Required, non-empty: why this path. */
  reason: string;
  /** ISO instant. */
  decidedAt: string;
}
