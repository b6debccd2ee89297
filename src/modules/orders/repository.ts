// SQL for judicial orders. Facility scope is always a WHERE on judicial_orders.facility_code
// (index judicial_orders_facility_idx); lists are keyset pages on (registered_at, id), newest
// first, so a deep page costs the same as the first.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

export const rejectAction = 'order.reject';
export const auditTargetType = 'judicial_order';

/**
 * Orders with the names of the people who registered and verified them and the centre's name.
 * `scope` null = national; otherwise only orders addressed to those centres.
 */
export function ordersQuery(db: Kysely<Database>, scope: string[] | null) {
  return db
    .selectFrom('judicial_orders as o')
    .innerJoin('facilities as f', 'f.code', 'o.facility_code')
    .innerJoin('users as ru', 'ru.id', 'o.registered_by')
    .leftJoin('users as vu', 'vu.id', 'o.verified_by')
    .leftJoin('users as xu', 'xu.id', 'o.rejected_by')
    .leftJoin('stored_files as sf', 'sf.id', 'o.scan_file_id')
    .select([
      'o.id',
      'o.kind',
      'o.authority_kind',
      'o.issuing_authority',
      'o.case_number',
      'o.order_date',
      'o.subject_name',
      'o.person_id',
      'o.facility_code',
      'f.name as facility_name',
      'o.legal_status',
      'o.notes',
      'o.scan_file_id',
      'sf.content_type as scan_content_type',
      'sf.size_bytes as scan_size_bytes',
      'o.status',
      'o.registered_by',
      'ru.username as registered_by_username',
      'ru.display_name as registered_by_name',
      'o.registered_at',
      'o.verified_by',
      'vu.username as verified_by_username',
      'vu.display_name as verified_by_name',
      'o.verified_at',
      'o.verification_method',
      'o.verification_note',
      'o.rejected_by',
      'xu.username as rejected_by_username',
      'xu.display_name as rejected_by_name',
      'o.rejected_at',
      'o.rejection_reason',
      'o.case_id',
      'o.version',
    ])
    .$if(scope !== null, (qb) => qb.where((eb) => (scope!.length ? eb('o.facility_code', 'in', scope!) : eb.val(false))));
}

export type OrderRow = Awaited<ReturnType<ReturnType<typeof ordersQuery>['executeTakeFirstOrThrow']>>;

export interface OrderFilter {
  facility?: string | undefined;
  status?: string | undefined;
  kind?: string | undefined;
  personId?: string | undefined;
  before?: string | undefined;
  limit: number;
}

export async function listOrders(db: Kysely<Database>, scope: string[] | null, f: OrderFilter): Promise<OrderRow[]> {
  return ordersQuery(db, scope)
    .$if(f.facility !== undefined, (qb) => qb.where('o.facility_code', '=', f.facility!))
    .$if(f.status !== undefined, (qb) => qb.where('o.status', '=', f.status as 'registered'))
    .$if(f.kind !== undefined, (qb) => qb.where('o.kind', '=', f.kind as 'commitment'))
    .$if(f.personId !== undefined, (qb) => qb.where('o.person_id', '=', f.personId!))
    .$if(f.before !== undefined, (qb) =>
      qb.where(sql<boolean>`(o.registered_at, o.id) < (select b.registered_at, b.id from judicial_orders b where b.id = ${f.before!})`),
    )
    .orderBy('o.registered_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(f.limit)
    .execute();
}

export async function findOrder(db: Kysely<Database>, scope: string[] | null, id: string): Promise<OrderRow | undefined> {
  return ordersQuery(db, scope).where('o.id', '=', id).executeTakeFirst();
}

/** The custody episode an order admitted or released, if any (an order takes effect once). */
export async function episodeUsing(db: Kysely<Database>, orderId: string, kind: 'commitment' | 'release'): Promise<string | null> {
  const row = await db
    .selectFrom('custody_episodes')
    .select('id')
    .where(kind === 'commitment' ? 'admission_order_id' : 'release_order_id', '=', orderId)
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}
