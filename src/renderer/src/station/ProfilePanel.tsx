import { useMemo, useState } from 'react'
import type { StationProfile } from '../../../shared/flows'
import { Panel } from '../common/Panel'
import { Segmented } from '../common/Segmented'
import { addDays, PROFILE_DAYS, profileRows, type ProfileDays } from './chart-data'
import { ProfileChart } from './charts'
import { ExportCsv } from './ExportCsv'
import { profileCsv } from '../../../shared/station-csv'

/** Mean trips per hour of the week's days, weekdays or weekend or all. */

export function ProfilePanel({ profile }: { profile: StationProfile }) {
  const [days, setDays] = useState<ProfileDays>('weekdays')
  const rows = useMemo(() => profileRows(profile, PROFILE_DAYS[days]), [profile, days])
  return (
    <Panel
      title="Day-of-week profile"
      meta={`mean trips per hour, ${profile.from} to ${addDays(profile.to, -1)}`}
      actions={
        <>
          <Segmented
            label="Days"
            value={days}
            onChange={setDays}
            options={[
              { value: 'weekdays', label: 'Mon–Fri' },
              { value: 'weekend', label: 'Sat–Sun' },
              { value: 'all', label: 'All' },
            ]}
          />
          <ExportCsv what="profile" file={() => profileCsv(profile)} />
        </>
      }
    >
      <ProfileChart rows={rows} />
    </Panel>
  )
}
