// Remote<T>: the honest type of a proxy of T. Its data fields are not there (a sync access throws NotLocalError):
// they are reached through dcGet/dcSet, typed by the field; its methods already return Promises.
import type { DataClayObject, DataFields } from './dataclay-object.js';

export type Remote<T extends DataClayObject> = Omit<T, DataFields<T>>;
