/**
 * Who a customer is: the static attributes written to customers.csv plus the latent traits
 * that drive usage and churn later. Latent traits are what a real operator cannot see
 * directly — price sensitivity, engagement, credit risk — so they only reach the data
 * through behaviour (plan choice, usage, payment, complaints), which is what makes the
 * churn signal learnable but not trivially so.
 */
import { type District, Footprint } from './regions.ts';
import { Categorical, Rng } from './random.ts';
import {
  BUSINESS_SHARE,
  CABLE_SEGMENT_WEIGHTS,
  CABLE_SEGMENTS,
  INDUSTRIES,
  INDUSTRY_WEIGHTS,
  type Line,
  MOBILE_SEGMENT_WEIGHTS,
  MOBILE_SEGMENTS,
  MOBILE_SHARE_IN_MIXED,
  type Profile,
  type Segment,
  SEGMENTS,
} from './products.ts';
import { ACQUISITION_CHANNELS } from '../../contract/spec.ts';

export type AcquisitionChannel = (typeof ACQUISITION_CHANNELS)[number] | '';

export interface Persona {
  readonly type: 'individual' | 'business';
  readonly line: Line;
  readonly segment: Segment;
  readonly district: District;
  readonly gender: 'M' | 'F' | '';
  /** 'YYYY-MM-DD' or '' when the operator never recorded it. */
  readonly birthDate: string;
  readonly birthMonth: number; // calendar month 0–11, -1 unknown
  readonly birthYear: number; // 0 for businesses
  readonly name: string;
  readonly phone: string;
  readonly email: string;
  readonly industry: string;
  readonly employees: number; // -1 for individuals
  /** Lines on a business group plan (1 for individuals). */
  readonly lines: number;
  // latent traits in (0, 1)
  readonly priceSensitivity: number;
  readonly engagement: number;
  readonly creditRisk: number;
  readonly onNetShare: number;
  readonly outgoingRatio: number;
  readonly roamingShare: number;
  readonly longDistanceShare: number;
  readonly forwardedShare: number;
  // usage needs per month at full ramp-up
  readonly voiceMinutes: number;
  readonly dataMb: number;
  readonly tvHours: number;
  readonly vodOrders: number;
  readonly contacts: number;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const PHONE_PREFIXES = ['138', '139', '158', '187', '186', '133', '177', '199', '135', '189'];
const EMAIL_DOMAINS = ['qq.com', '163.com', '126.com', 'sina.com'];
const COMPANY_WORDS = ['商贸', '实业', '科技', '酒店', '物流', '建设', '餐饮', '贸易'];

const mobileSegments = new Categorical(MOBILE_SEGMENTS, MOBILE_SEGMENT_WEIGHTS);
const cableSegments = new Categorical(CABLE_SEGMENTS, CABLE_SEGMENT_WEIGHTS);
const industries = new Categorical(INDUSTRIES, INDUSTRY_WEIGHTS);
const mobileChannels = new Categorical<AcquisitionChannel>(['hall', 'agent', 'online', 'hotline', 'community', 'other'], [35, 25, 20, 5, 10, 5]);
const cableChannels = new Categorical<AcquisitionChannel>(['hall', 'community', 'hotline', 'agent', 'online', 'other'], [30, 35, 15, 10, 5, 5]);

function maskedPhone(rng: Rng): string {
  return `${rng.pick(PHONE_PREFIXES)}****${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

function personalData(rng: Rng, type: 'individual' | 'business', district: District, industry: string): { name: string; phone: string; email: string } {
  // Roles without PII rights see masked data; the demo ships only masked-looking values.
  if (type === 'business') {
    return {
      name: `${district.city}***${rng.pick(COMPANY_WORDS)}有限公司`,
      phone: rng.chance(0.9) ? maskedPhone(rng) : '',
      email: rng.chance(0.5) ? `info***@${industry === '信息技术' ? 'tech' : 'corp'}.cn` : '',
    };
  }
  return {
    name: rng.chance(0.7) ? `${rng.pick(SURNAMES)}**` : '',
    phone: rng.chance(0.8) ? maskedPhone(rng) : '',
    email: rng.chance(0.25) ? `${String.fromCharCode(97 + rng.int(0, 25))}***@${rng.pick(EMAIL_DOMAINS)}` : '',
  };
}

export function chooseLine(rng: Rng, profile: Profile): Line {
  if (profile === 'mixed') return rng.chance(MOBILE_SHARE_IN_MIXED) ? 'mobile' : 'cable';
  return profile;
}

/** Draws a new person. `referenceYear` is the calendar year ages are anchored to. */
export function drawPersona(rng: Rng, profile: Profile, footprint: Footprint, referenceYear: number): Persona {
  const line = chooseLine(rng, profile);
  const business = rng.chance(BUSINESS_SHARE[line]);
  const segment: Segment = business ? 'business' : line === 'mobile' ? mobileSegments.sample(rng) : cableSegments.sample(rng);
  const traits = SEGMENTS[segment];
  const district = footprint.pick(rng);
  const type = business ? 'business' : 'individual';

  let birthYear = 0;
  let birthMonth = -1;
  let birthDate = '';
  if (!business) {
    const age = Math.round(Math.min(88, Math.max(18, traits.age[0] + traits.age[1] * rng.normal())));
    birthYear = referenceYear - age;
    birthMonth = rng.int(0, 11);
    const day = rng.int(1, 28);
    if (rng.chance(0.92)) birthDate = `${birthYear}-${String(birthMonth + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    else birthMonth = -1; // unknown birthday: no birthday care either
  }
  const industry = business ? industries.sample(rng) : '';
  const employees = business ? Math.max(2, Math.round(rng.lognormal(Math.log(25), 1.1))) : -1;
  const lines = business ? Math.max(2, Math.min(400, Math.round(employees * rng.between(0.2, 0.7)))) : 1;
  const pii = personalData(rng, type, district, industry);
  const youth = segment === 'youth' || segment === 'netizen';
  const senior = segment === 'senior' || segment === 'basic';

  const voiceMedian = segment === 'youth' ? 180 : segment === 'senior' ? 150 : business ? 380 * lines : 320;
  const dataMedian = segment === 'youth' ? 22000 : segment === 'senior' ? 1500 : business ? 6000 * lines : 9000;
  const broadbandMedian = segment === 'netizen' ? 220000 : segment === 'business' ? 400000 : 120000;
  const tvMedian = segment === 'basic' ? 135 : segment === 'new_video' ? 115 : segment === 'full_service' ? 100 : segment === 'netizen' ? 22 : 60;
  const vodMedian = segment === 'new_video' ? 3 : segment === 'full_service' ? 4 : 0.3;

  return {
    type,
    line,
    segment,
    district,
    gender: business ? '' : rng.chance(0.97) ? (rng.chance(0.51) ? 'M' : 'F') : '',
    birthDate,
    birthMonth,
    birthYear,
    name: pii.name,
    phone: pii.phone,
    email: pii.email,
    industry,
    employees,
    lines,
    priceSensitivity: rng.unitTrait(traits.priceSensitivity, 0.9),
    engagement: rng.unitTrait(traits.engagement, 1.0),
    creditRisk: rng.unitTrait(youth ? 0.22 : senior ? 0.1 : 0.14, 1.1),
    onNetShare: rng.unitTrait(0.55, 0.9),
    outgoingRatio: rng.unitTrait(business ? 0.6 : senior ? 0.42 : 0.5, 0.45),
    roamingShare: rng.unitTrait(business ? 0.12 : 0.03, 1.0),
    longDistanceShare: rng.unitTrait(business ? 0.15 : 0.07, 0.8),
    forwardedShare: rng.unitTrait(0.012, 0.8),
    voiceMinutes: rng.lognormal(Math.log(voiceMedian), 0.55),
    dataMb: line === 'mobile' ? rng.lognormal(Math.log(dataMedian), 0.8) : rng.lognormal(Math.log(broadbandMedian), 0.7),
    tvHours: rng.lognormal(Math.log(tvMedian), 0.4),
    vodOrders: rng.lognormal(Math.log(vodMedian), 0.6),
    contacts: business ? 20 + 6 * lines : 6 + rng.lognormal(Math.log(14), 0.5),
  };
}

export function drawChannel(rng: Rng, line: Line): AcquisitionChannel {
  return (line === 'mobile' ? mobileChannels : cableChannels).sample(rng);
}
