/**
 * Contacts with the operator, generated month by month from the customer's situation:
 * network trouble brings complaints and repairs (cable: signal and broadband), billing
 * errors bring billing complaints, leavers ask about terms and file cancel requests (and
 * some are saved by a retention offer), contracts about to expire get renewal offers, and
 * high-value customers get birthday greetings and home maintenance visits (seed 002's
 * 客情维护). Unresolved complaints and poor ratings feed back into the service hazard.
 */
import { pad2 } from './calendar.ts';
import type { Persona } from './persona.ts';
import { Categorical, type Rng } from './random.ts';
import type { MonthState } from './state.ts';

type Kind = 'inquiry' | 'complaint' | 'repair' | 'order' | 'cancel_request' | 'care' | 'offer' | 'other';
type Channel = 'hall' | 'hotline' | 'community' | 'agent' | 'online' | 'app' | 'other';

const complaintChannels = new Categorical<Channel>(['hotline', 'hall', 'online', 'app'], [60, 20, 15, 5]);
const repairChannels = new Categorical<Channel>(['hotline', 'app', 'community'], [70, 20, 10]);
const inquiryChannels = new Categorical<Channel>(['hotline', 'app', 'hall', 'online'], [45, 25, 20, 10]);
const cancelChannels = new Categorical<Channel>(['hall', 'hotline', 'online'], [50, 45, 5]);
const orderChannels = new Categorical<Channel>(['hall', 'online', 'app', 'agent'], [35, 25, 25, 15]);

export interface LineSink {
  push(line: string): void;
}

function timestamp(rng: Rng, st: MonthState): string {
  const day = rng.int(st.startDay, st.endDay);
  const hour = rng.chance(0.9) ? rng.int(8, 20) : rng.int(0, 23);
  return `${st.monthText}-${pad2(day)}T${pad2(hour)}:${pad2(rng.int(0, 59))}:${pad2(rng.int(0, 59))}`;
}

/** Writes one interaction row; customer-initiated hotline contacts are counted for care_calls. */
export function pushInteraction(
  rng: Rng,
  st: MonthState,
  sink: LineSink,
  kind: Kind,
  channel: Channel,
  topic: string,
  resolved: '' | 'true' | 'false',
  satisfaction: number,
): void {
  st.interactionSeq++;
  if (channel === 'hotline' && kind !== 'offer' && kind !== 'care') st.hotlineContacts++;
  const id = `I${st.customerId.slice(1)}-${st.interactionSeq}`;
  sink.push(`${id},${st.customerId},${timestamp(rng, st)},${channel},${kind},${topic},${resolved},${satisfaction > 0 ? satisfaction : ''}\n`);
}

function rated(rng: Rng, st: MonthState, good: boolean): number {
  if (!rng.chance(0.6)) return 0;
  const s = good ? rng.int(3, 5) : rng.int(1, 3);
  if (s <= 2) st.poorSatisfaction++;
  return s;
}

function complaintTopic(rng: Rng, persona: Persona, st: MonthState): { topic: string; quality: boolean } {
  const mobile = persona.line === 'mobile';
  const w = [st.episodeSeverity * 3, st.billingIssue ? 2 : 0, st.leavingStep >= 0 ? 0.6 : 0.1, 0.25, st.unpaidMonths > 0 ? 0.5 : 0];
  let x = rng.uniform() * w.reduce((a, b) => a + b, 0);
  if ((x -= w[0] ?? 0) < 0) {
    const topic = mobile ? (persona.district.rural && rng.chance(0.5) ? 'coverage' : 'network_quality') : rng.chance(0.5) ? 'tv_signal' : 'broadband_speed';
    return { topic, quality: true };
  }
  if ((x -= w[1] ?? 0) < 0) return { topic: 'billing', quality: false };
  if ((x -= w[2] ?? 0) < 0) return { topic: 'price', quality: false };
  if ((x -= w[3] ?? 0) < 0) return { topic: 'service', quality: false };
  return { topic: 'arrears_notice', quality: false };
}

export function monthInteractions(rng: Rng, persona: Persona, st: MonthState, sink: LineSink): void {
  st.hotlineContacts = 0;
  const leaving = st.leavingStep >= 0;
  const sev = st.episodeSeverity;
  const cable = persona.line === 'cable';

  const complaints = rng.poisson(0.015 + 0.35 * sev + (st.billingIssue ? 0.7 : 0) + (leaving ? 0.12 : 0) + (st.unpaidMonths > 0 ? 0.05 : 0));
  for (let i = 0; i < complaints; i++) {
    const { topic, quality } = complaintTopic(rng, persona, st);
    const open = st.lastWindowMonth && rng.chance(0.2);
    const ok = !open && rng.chance(quality ? 0.55 : 0.75);
    if (!ok && !open) st.unresolvedComplaints++;
    pushInteraction(rng, st, sink, 'complaint', complaintChannels.sample(rng), topic, open ? '' : ok ? 'true' : 'false', rated(rng, st, ok));
  }

  const repairs = rng.poisson(cable ? 0.02 + 0.5 * sev : 0.003 + 0.05 * sev);
  for (let i = 0; i < repairs; i++) {
    const topic = cable ? rng.pick(['tv_signal', 'broadband_outage', 'set_top_box']) : 'sim_card';
    const ok = rng.chance(0.85);
    pushInteraction(rng, st, sink, 'repair', repairChannels.sample(rng), topic, ok ? 'true' : 'false', rated(rng, st, ok));
  }

  const inquiries = rng.poisson(0.04 + (st.contractExpiresNextMonth ? 0.15 : 0) + (leaving ? 0.15 : 0));
  for (let i = 0; i < inquiries; i++) {
    const topic = leaving && rng.chance(0.5) ? (cable ? 'cancellation_terms' : 'number_porting') : st.contractExpiresNextMonth ? 'contract_terms' : 'plan_info';
    pushInteraction(rng, st, sink, 'inquiry', inquiryChannels.sample(rng), topic, 'true', rated(rng, st, true));
  }

  const asksToCancel = st.savedThisMonth || (leaving && st.exiting && st.exitVoluntary ? rng.chance(0.5) : leaving && st.leavingStep >= 1 ? rng.chance(0.15) : rng.chance(0.001));
  if (asksToCancel) {
    pushInteraction(rng, st, sink, 'cancel_request', cancelChannels.sample(rng), 'cancel_service', st.savedThisMonth ? 'true' : '', 0);
    if (st.savedThisMonth || rng.chance(0.6)) pushInteraction(rng, st, sink, 'offer', 'hotline', 'retention_offer', '', 0);
  }
  if (st.contractExpiresNextMonth && rng.chance(0.6)) pushInteraction(rng, st, sink, 'offer', rng.chance(0.5) ? 'hotline' : 'app', 'contract_renewal', '', 0);

  const highValue = st.lastRevenue >= 90 || persona.segment === 'full_service';
  if (st.birthdayMonth && highValue && rng.chance(0.85)) pushInteraction(rng, st, sink, 'care', 'app', 'birthday_greeting', '', 0);
  if (persona.segment === 'full_service' && st.t % 3 === 2 && rng.chance(0.5)) pushInteraction(rng, st, sink, 'care', 'community', 'home_maintenance', 'true', rated(rng, st, true));
  if (rng.chance(0.004)) pushInteraction(rng, st, sink, 'other', 'other', 'other', '', 0);
}

export function orderInteraction(rng: Rng, st: MonthState, sink: LineSink, productId: string): void {
  pushInteraction(rng, st, sink, 'order', orderChannels.sample(rng), `add_${productId}`, 'true', rated(rng, st, true));
}
