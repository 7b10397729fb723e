/** The mutable per-month situation of one customer, shared by the usage and interaction builders. */
export interface MonthState {
  customerId: string;
  /** Month index (year * 12 + month - 1) and its texts. */
  t: number;
  monthText: string;
  daysInMonth: number;
  /** Service days of the month: join day / exit day bound them. */
  startDay: number;
  endDay: number;
  activeFraction: number;
  tenureMonths: number;
  monthsIntoWindow: number;
  lastWindowMonth: boolean;
  /** Months since the leave decision (0 = decided this month); -1 when not leaving. */
  leavingStep: number;
  exiting: boolean;
  exitVoluntary: boolean;
  savedThisMonth: boolean;
  dormant: boolean;
  episodeSeverity: number;
  billingIssue: boolean;
  unpaidMonths: number;
  overdueDays: number;
  fraud: boolean;
  inContract: boolean;
  contractExpiresNextMonth: boolean;
  birthdayMonth: boolean;
  /** Revenue multiplier (win-back promotion). */
  discount: number;
  /** Revenue given up this month by accepted retention offers (a monthly discount); 0 for most. */
  offerDiscount: number;
  lastRevenue: number;
  // filled by the interaction builder for this month
  hotlineContacts: number;
  unresolvedComplaints: number;
  poorSatisfaction: number;
  interactionSeq: number;
}

export function newMonthState(customerId: string): MonthState {
  return {
    customerId,
    t: 0,
    monthText: '',
    daysInMonth: 30,
    startDay: 1,
    endDay: 30,
    activeFraction: 1,
    tenureMonths: 0,
    monthsIntoWindow: 0,
    lastWindowMonth: false,
    leavingStep: -1,
    exiting: false,
    exitVoluntary: false,
    savedThisMonth: false,
    dormant: false,
    episodeSeverity: 0,
    billingIssue: false,
    unpaidMonths: 0,
    overdueDays: 0,
    fraud: false,
    inContract: false,
    contractExpiresNextMonth: false,
    birthdayMonth: false,
    discount: 1,
    offerDiscount: 0,
    lastRevenue: 0,
    hotlineContacts: 0,
    unresolvedComplaints: 0,
    poorSatisfaction: 0,
    interactionSeq: 0,
  };
}
