/**
 * Lifecycle stages. The telecom deck (seed 004) manages customers in five stages; the CRM
 * textbook (seed 001) describes the relationship in four (考察期, 形成期, 稳定期, 退化期). The
 * textbook's stages map onto the deck's first four; E is the end of the relationship, which
 * the textbook treats as the point where a relationship pattern (I–IV) is decided.
 */
export const STAGES = ['A', 'B', 'C', 'D', 'E'] as const;
export type Stage = (typeof STAGES)[number];

export type RelationshipStage = 'exploration' | 'formation' | 'stability' | 'decline' | 'ended';

export interface StageInfo {
  readonly stage: Stage;
  readonly en: string;
  readonly zh: string;
  readonly relationship: RelationshipStage;
  readonly relationshipZh: string;
  /** The deck's question for the stage. */
  readonly focus: string;
}

export const STAGE_INFO: Readonly<Record<Stage, StageInfo>> = {
  A: { stage: 'A', en: 'acquisition', zh: '客户获取', relationship: 'exploration', relationshipZh: '考察期', focus: 'how to find and win customers' },
  B: { stage: 'B', en: 'build-up', zh: '客户提升', relationship: 'formation', relationshipZh: '形成期', focus: 'how to grow them into high-value customers' },
  C: { stage: 'C', en: 'climax', zh: '客户成熟', relationship: 'stability', relationshipZh: '稳定期', focus: 'how to sell new products and build loyalty' },
  D: { stage: 'D', en: 'decline', zh: '客户衰退', relationship: 'decline', relationshipZh: '退化期', focus: 'how to extend the lifecycle' },
  E: { stage: 'E', en: 'exit', zh: '客户离网', relationship: 'ended', relationshipZh: '关系结束', focus: 'how to win customers back' },
};

export function isStage(text: string): text is Stage {
  return (STAGES as readonly string[]).includes(text);
}
