import { isExtraColumn, type FileName } from '../../contract/spec.ts';

/**
 * Columns whose values are personal data, so a reject names the column and the reason, never
 * the value (rejects go to the terminal, a file and the store's import log).
 *
 * The contract's personal fields (name, phone, email, birth_date) and, by decision, every x_
 * attribute of customers: operators put ID-card numbers, addresses and contact notes there,
 * and Tenure cannot tell those from harmless codes. Interaction topics are free text, which
 * agents fill with names and numbers. Identifiers (customer_id) stay: an analyst needs them to
 * find the row, and they mean nothing outside the operator's systems.
 */
const PERSONAL: Partial<Record<FileName, readonly string[]>> = {
  customers: ['name', 'phone', 'email', 'birth_date'],
  interactions: ['topic'],
};

export function isPersonalColumn(file: FileName, column: string): boolean {
  if (file === 'customers' && isExtraColumn(column)) return true;
  return PERSONAL[file]?.includes(column) ?? false;
}
