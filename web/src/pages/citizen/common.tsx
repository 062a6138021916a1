import { useSession } from "../../session";

// The logged-in citizen's own person id (the route guard guarantees a citizen session).
export function useCitizenId(): number {
  const { me } = useSession();
  return me?.person_id ?? 0;
}
